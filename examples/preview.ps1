# Regenerates docs/moving-scatterers.png: four simulated sequences of three time steps (the
# original pipeline's settings), each row the data then the label, with this clone's staged module:
#   pwsh -NoProfile -File build.ps1 -Task Package && pwsh -NoProfile -File examples/preview.ps1
$root = [System.IO.Path]::GetDirectoryName($PSScriptRoot)
Import-Module ([System.IO.Path]::Combine($root, 'out', 'DataPipeline', 'DataPipeline.psd1')) -ErrorAction Stop
$config = [System.IO.Path]::Combine($root, 'examples', 'original-synthetic.toml')
$target = [System.IO.Path]::Combine($root, 'docs', 'moving-scatterers.png')
New-SyntheticFrame -Config $config -Count 4 -Seed 7 | Export-FramePreview -Path $target -PassThru

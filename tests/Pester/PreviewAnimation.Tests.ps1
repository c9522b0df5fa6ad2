# User-facing behaviour of Export-FramePreview with a .gif path (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("dp-gif-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $dir | Out-Null

    # Reads a GIF's structure independently of the module: logical screen size, image count,
    # the delay (centiseconds) of each image and whether it loops (NETSCAPE2.0 extension).
    function Read-Gif([string]$Path) {
        $b = [System.IO.File]::ReadAllBytes($Path)
        [System.Text.Encoding]::ASCII.GetString($b, 0, 6) | Should -Be 'GIF89a'
        $width = $b[6] + 256 * $b[7]; $height = $b[8] + 256 * $b[9]
        $i = 13
        if ($b[10] -band 0x80) { $i += 3 * [math]::Pow(2, ($b[10] -band 7) + 1) }
        $images = 0; $delays = @(); $loops = $false
        function Skip-SubBlocks { while ($b[$script:i] -ne 0) { $script:i += $b[$script:i] + 1 }; $script:i++ }
        $script:i = $i
        while ($b[$script:i] -ne 0x3B) {
            switch ($b[$script:i]) {
                0x21 {
                    $label = $b[$script:i + 1]
                    if ($label -eq 0xF9) { $delays += $b[$script:i + 4] + 256 * $b[$script:i + 5] }
                    if ($label -eq 0xFF -and [System.Text.Encoding]::ASCII.GetString($b, $script:i + 3, 11) -eq 'NETSCAPE2.0') { $loops = $true }
                    $script:i += 2
                    Skip-SubBlocks
                }
                0x2C {
                    $images++
                    $packed = $b[$script:i + 9]
                    $script:i += 10
                    if ($packed -band 0x80) { $script:i += 3 * [math]::Pow(2, ($packed -band 7) + 1) }
                    $script:i++ # LZW minimum code size
                    Skip-SubBlocks
                }
                default { throw "unexpected GIF block 0x{0:X2} at byte {1}" -f $b[$script:i], $script:i }
            }
        }
        [pscustomobject]@{ Width = $width; Height = $height; Images = $images; Delays = $delays; Loops = $loops }
    }
}

AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Export-FramePreview to a .gif' {
    It 'animates the time steps: one GIF image per step, T steps a second, looping' {
        $path = Join-Path $dir 'moving.gif'
        $file = New-SyntheticFrame -Count 3 -Size 16 -Frames 5 -Seed 7 | Export-FramePreview -Path $path -PassThru
        $file.Name | Should -Be 'moving.gif'
        $gif = Read-Gif $path
        $gif.Images | Should -Be 5
        $gif.Delays | Should -Be @(20, 20, 20, 20, 20)
        $gif.Loops | Should -BeTrue
        # Three frames of data and label panels: the static layout of 3 frames, 2 per row, 2 panels each.
        "$($gif.Width)x$($gif.Height)" | Should -Be "$(4 * 280)x$(2 * 250)"
    }

    It 'keeps writing a PNG for any other extension' {
        $path = Join-Path $dir 'still.png'
        New-SyntheticFrame -Count 1 -Size 16 -Frames 5 -Seed 7 | Export-FramePreview -Path $path
        [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($path), 1, 3) | Should -Be 'PNG'
    }
}

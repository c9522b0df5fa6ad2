# User-facing behaviour of [simulation] psf = "gaussian_mu" and eval_scatterers with New-SyntheticFrame -Evaluation (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("dp-simrows-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $dir | Out-Null
    function Get-ScattererCount($Frame) { @($Frame.Positions.Scatterer | Sort-Object -Unique).Count }
}

AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'psf = "gaussian_mu"' {
    It 'draws a ring of radius psf_mu_px around the scatterer, by hand' {
        $config = Join-Path $dir 'ring.toml'
        "[simulation]`npsf = `"gaussian_mu`"`npsf_mu_px = 5.0`npsf_sigma_px = 1.5`nremoval_probability = 0.0" | Set-Content -LiteralPath $config
        $frame = New-SyntheticFrame -Config $config -Count 1 -Size 32 -Scatterers 1, 1 -NoiseStd 0 -SizeRatio 1 -Seed 4
        $p = $frame.Positions[0]
        foreach ($pixel in @(@(16, 16), @(10, 12), @(20, 25), @([int]$p.Row, [int]$p.Column))) {
            $r, $c = $pixel
            $rho = [math]::Sqrt(($r - $p.Row) * ($r - $p.Row) + ($c - $p.Column) * ($c - $p.Column))
            # Drawn within the square window of radius + 4 sigma = 11 px around the scatterer.
            $inWindow = $r -ge [math]::Floor($p.Row - 11) -and $r -le [math]::Ceiling($p.Row + 11) -and $c -ge [math]::Floor($p.Column - 11) -and $c -le [math]::Ceiling($p.Column + 11)
            $expected = if ($inWindow) { [math]::Exp(-($rho - 5) * ($rho - 5) / (2 * 1.5 * 1.5)) } else { 0 }
            $frame.Data[$r * 32 + $c] | Should -BeGreaterOrEqual ($expected - 1e-5)
            $frame.Data[$r * 32 + $c] | Should -BeLessOrEqual ($expected + 1e-5)
        }
        # The label keeps its Gaussian peak at the scatterer: its largest value is at the nearest pixel.
        $max = ($frame.Label | Measure-Object -Maximum).Maximum
        $frame.Label[[math]::Round($p.Row) * 32 + [math]::Round($p.Column)] | Should -Be $max
    }

    It 'names the allowed values of psf' {
        $config = Join-Path $dir 'badpsf.toml'
        "[simulation]`npsf = `"ring`"" | Set-Content -LiteralPath $config
        { New-SyntheticFrame -Config $config -Count 1 -ErrorAction Stop } | Should -Throw -ExpectedMessage '*simulation.psf*"gaussian", "gaussian_mu"*'
    }
}

Describe 'eval_scatterers and -Evaluation' {
    BeforeAll {
        $config = Join-Path $dir 'eval.toml'
        "[simulation]`nscatterers = [1, 2]`neval_scatterers = [6, 8]`nsize = 32`nseed = 3" | Set-Content -LiteralPath $config
    }

    It 'draws the evaluation set''s counts from eval_scatterers and the training set''s from scatterers' {
        $training = New-SyntheticFrame -Config $config -Count 30
        $evaluation = New-SyntheticFrame -Config $config -Count 30 -Evaluation
        $training | ForEach-Object { Get-ScattererCount $_ } | Sort-Object -Unique | Should -Be @(1, 2)
        $evaluation | ForEach-Object { Get-ScattererCount $_ } | Sort-Object -Unique | Should -Be @(6, 7, 8)
        $evaluation[0].Origin.Seed | Should -Not -Be $training[0].Origin.Seed
    }

    It 'takes -Scatterers as the evaluation range with -Evaluation' {
        New-SyntheticFrame -Config $config -Count 5 -Evaluation -Scatterers 9, 9 | ForEach-Object { Get-ScattererCount $_ } |
            Sort-Object -Unique | Should -Be 9
    }
}

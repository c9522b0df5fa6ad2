# examples/ultrasound-sequences.ps1 end to end, small (Pester 5 syntax), in a fresh pwsh on the staged module:
# ultrasound-PSF and Gaussian-PSF sequences train a per-step U-Net each, both scored on held-out ultrasound
# sequences with the RMSE in wavelengths.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $examples = Join-Path $PSScriptRoot '../../examples'
    $ultrasound = Join-Path $examples 'ultrasound-sequences.toml'
}

Describe 'examples/ultrasound-sequences' {
    It 'simulates moving-bubble sequences [16, 32, 32] with per-step labels at twice the resolution' {
        $sequence = New-SyntheticFrame -Config $ultrasound -Count 1 -Seed 777
        $sequence.Shape | Should -Be @(16, 32, 32)
        $sequence.LabelShape | Should -Be @(16, 64, 64)
        $sequence.Channels | Should -Be 1
        # The bubbles flow: the first and last steps' labels differ.
        $step = 64 * 64
        $first = $sequence.Label[0..($step - 1)]
        $last = $sequence.Label[(15 * $step)..(16 * $step - 1)]
        (Compare-Object $first $last -SyncWindow 0).Count | Should -BeGreaterThan 0
        $sequence.Data | Where-Object { -not [float]::IsFinite($_) } | Should -BeNullOrEmpty
    }

    It 'trains both networks and scores them on the same held-out sequences, the RMSE in wavelengths' {
        $results = & (Join-Path $examples 'ultrasound-sequences.ps1') -OutputDirectory $TestDrive -Count 6 -Epochs 1 -TestSequences 2 6>$null
        $results.TrainedOn | Should -Be @('ultrasound', 'gaussian')
        foreach ($r in $results) {
            $r.Epochs | Should -Be 1
            $r.TestedOn | Should -Match 'seed 777, 2 x 16 steps'
            $r.Evaluation.FrameCount | Should -Be 2
            # Scored per time step: every test step appears in the counts.
            $r.Evaluation.Frames[0].Steps.Count | Should -Be 16
            [double]::IsFinite($r.F1) | Should -BeTrue
            $r.F1 | Should -BeGreaterOrEqual 0
            $r.F1 | Should -BeLessOrEqual 1
            ($r.Evaluation.TruePositives + $r.Evaluation.FalseNegatives) | Should -BeGreaterThan 0
            # One pixel of the example's grid is a quarter wavelength.
            [double]::IsFinite($r.Evaluation.RmsePx) | Should -BeTrue
            $r.Evaluation.RmseIn(0.25) | Should -BeExactly ($r.Evaluation.RmsePx * 0.25)
            $r.RmseWavelengths | Should -Be ([math]::Round($r.Evaluation.RmsePx * 0.25, 3))
        }
        Test-Path (Join-Path $TestDrive 'ultrasound') | Should -BeTrue
        Test-Path (Join-Path $TestDrive 'gaussian') | Should -BeTrue
    }
}

# User-facing behaviour of Measure-Localization (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Measure-Localization' {
    BeforeAll {
        $frames = New-SyntheticFrame -Count 6 -Size 32 -Scatterers 1, 3 -Seed 5
        # A model that reproduced its labels exactly.
        $perfect = $frames | ForEach-Object { $_.WithPrediction($_.Label) }

        # A 16x16 frame at size ratio 1 with one scatterer at (5, 5) and single-pixel peaks where asked.
        function New-HandFrame([int[][]]$Peaks) {
            $positions = [System.Collections.Generic.List[DataPipeline.Engine.Frames.ScattererPosition]]::new()
            $positions.Add([DataPipeline.Engine.Frames.ScattererPosition]::new(0, 0, 5.0, 5.0, $true))
            $prediction = [float[]]::new(256)
            foreach ($peak in $Peaks) { $prediction[$peak[0] * 16 + $peak[1]] = 1 }
            [DataPipeline.Engine.Frames.Frame]::new([float[]]::new(256), [int[]](16, 16), [float[]]::new(256), [int[]](16, 16),
                'hand', 0, $positions).WithPrediction($prediction)
        }
    }

    It 'emits one result for every frame piped in' {
        $result = $perfect | Measure-Localization
        $result | Should -HaveCount 1
        $result.FrameCount | Should -Be 6
        $result.Frames | Should -HaveCount 6
        $result.Frames[5].Index | Should -Be 5
        $result.FalsePositives | Should -Be 0
        $result.Recall | Should -BeGreaterThan 0.9
        $result.RmsePx | Should -BeLessThan 0.1
        $result.RocAuc | Should -BeGreaterThan 0.999
    }

    It 'counts an exact hit as a true positive' {
        $result = New-HandFrame -Peaks @(, @(5, 5)) | Measure-Localization
        $result.TruePositives | Should -Be 1
        $result.F1 | Should -Be 1
        $result.RmsePx | Should -Be 0
    }

    It 'does not match a detection that shares only one coordinate with a scatterer' {
        $result = New-HandFrame -Peaks @(, @(5, 13)) | Measure-Localization -TolerancePx 2
        $result.TruePositives | Should -Be 0
        $result.FalsePositives | Should -Be 1
        $result.FalseNegatives | Should -Be 1
        $result.Precision | Should -Be 0
    }

    It 'lets parameters override the [evaluation] section of -Config' {
        $config = [System.IO.Path]::Combine($TestDrive, 'eval.toml')
        [System.IO.File]::WriteAllText($config, "[evaluation]`nthreshold = 0.3`nwindow_px = 9`nrefine = `"none`"`n")
        $result = $perfect | Measure-Localization -Config $config -WindowPx 7 -TolerancePx 0.5
        $result.Threshold | Should -Be 0.3
        $result.WindowPx | Should -Be 7
        $result.TolerancePx | Should -Be 0.5
        $result.Refine | Should -Be 'None'
    }

    It 'reports a frame without a prediction as an error naming it, and scores the others' {
        $result = ($frames[0], $perfect[1]) | Measure-Localization -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].FullyQualifiedErrorId | Should -BeExactly 'FrameNotEvaluable,DataPipeline.PowerShell.Commands.MeasureLocalizationCommand'
        $problems[0].Exception.Message | Should -BeLike '*#0 *no prediction*'
        $result.FrameCount | Should -Be 1
    }

    It 'takes the truth from the label map with -Truth Label' {
        $result = $perfect | Measure-Localization -Truth Label
        $result.Truth | Should -Be 'Label'
        $result.FalsePositives | Should -Be 0
        $result.FalseNegatives | Should -Be 0
    }

    It 'reports the ROC curve and the best thresholds of both views' {
        $result = $perfect | Measure-Localization
        $result.RocCurve | Should -HaveCount 1001
        $result.Sweep | Should -HaveCount 19
        $result.BestThreshold | Should -BeGreaterThan 0
        $result.BestPixelThreshold | Should -BeGreaterThan 0
        $result.Pixels.F1 | Should -Be 1
    }

    It 'rejects an even window' {
        { $perfect | Measure-Localization -WindowPx 4 } | Should -Throw -ErrorId 'InvalidEvaluationSettings,DataPipeline.PowerShell.Commands.MeasureLocalizationCommand'
    }
}

# User-facing behaviour of Export-EvaluationReport and the pixel accuracies (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force

    # A 16x16 frame at size ratio 1: one scatterer at (5, 5), labelled there; the prediction is 1 at (5, 5) and (9, 9).
    function New-HandFrame {
        $positions = [System.Collections.Generic.List[DataPipeline.Engine.Frames.ScattererPosition]]::new()
        $positions.Add([DataPipeline.Engine.Frames.ScattererPosition]::new(0, 0, 5.0, 5.0, $true))
        $label = [float[]]::new(256)
        $label[5 * 16 + 5] = 1
        $prediction = [float[]]::new(256)
        $prediction[5 * 16 + 5] = 1
        $prediction[9 * 16 + 9] = 1
        [DataPipeline.Engine.Frames.Frame]::new([float[]]::new(256), [int[]](16, 16), $label, [int[]](16, 16),
            'hand', 0, $positions).WithPrediction($prediction)
    }

    function Get-PngSize([string]$Path) {
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        [System.Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
        # IHDR: width and height as big-endian integers at bytes 16 and 20.
        $at = { param($i) ([int]$bytes[$i] -shl 24) -bor ([int]$bytes[$i + 1] -shl 16) -bor ([int]$bytes[$i + 2] -shl 8) -bor $bytes[$i + 3] }
        [pscustomobject]@{ Width = & $at 16; Height = & $at 20 }
    }
}

Describe 'Pixel accuracy and balanced accuracy' {
    It 'are the hand-counted values at the threshold' {
        $result = New-HandFrame | Measure-Localization
        # TP 1 (5,5), FP 1 (9,9), FN 0, TN 254.
        $result.Pixels.TruePositives | Should -Be 1
        $result.Pixels.FalsePositives | Should -Be 1
        $result.Pixels.TrueNegatives | Should -Be 254
        $result.PixelAccuracy | Should -BeExactly (255 / 256)
        $result.PixelBalancedAccuracy | Should -BeExactly ((1 + 254 / 255) / 2)
        $result.Pixels.Accuracy | Should -BeExactly $result.PixelAccuracy
    }
}

Describe 'Export-EvaluationReport' {
    BeforeAll {
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("dp-evalreport-" + [guid]::NewGuid().ToString('N'))
        $frames = New-SyntheticFrame -Count 4 -Size 32 -Scatterers 2, 4 -SizeRatio 1 -Seed 7
        $result = $frames | ForEach-Object { $_.WithPrediction($_.Label) } | Measure-Localization
    }
    AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes the ROC, precision-recall and error figures and a page with them' {
        $files = $result | Export-EvaluationReport -Path $dir -PassThru
        $files.Name | Should -Be @('evaluation-roc.png', 'evaluation-precision-recall.png', 'evaluation-localisation-error.png', 'evaluation.html')
        foreach ($png in $files | Where-Object Extension -eq '.png') {
            $size = Get-PngSize $png.FullName
            "$($size.Width)x$($size.Height)" | Should -Be '700x500'
        }
        $html = Get-Content -Raw (Join-Path $dir 'evaluation.html')
        ([regex]::Matches($html, 'src="data:image/png;base64,')).Count | Should -Be 3
        $html | Should -Match '<th class="text">pixel balanced accuracy</th><td>[0-9.]+</td>'
        $html | Should -Match "<th class=`"text`">true positives</th><td>$($result.TruePositives)</td>"
    }

    It 'numbers a second result instead of overwriting the first, and -Format picks the files' {
        $files = $result, $result | Export-EvaluationReport -Path $dir -Name pair -Format Html -PassThru
        $files.Name | Should -Be @('pair.html', 'pair-2.html')
    }

    It 'writes nothing under -WhatIf' {
        $result | Export-EvaluationReport -Path (Join-Path $dir 'whatif') -WhatIf
        Join-Path $dir 'whatif' | Should -Not -Exist
    }

    It 'warns that there is no ROC curve without label maps' {
        $unlabelled = $frames | ForEach-Object {
            [DataPipeline.Engine.Frames.Frame]::new($_.Data, $_.Shape, $null, $null, 'nolabel', 0, $_.Positions).WithPrediction($_.Label)
        } | Measure-Localization
        $files = $unlabelled | Export-EvaluationReport -Path $dir -Name nolabel -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
        $files.Name | Should -Not -Contain 'nolabel-roc.png'
        $files.Name | Should -Contain 'nolabel-localisation-error.png'
        $warnings | Should -Match 'no ROC curve'
    }
}

# User-facing behaviour of the ultrasound simulator (psf = "ultrasound"), IQ frames, B-mode previews and the
# SVD clutter filter on imported MAT data (Pester 5 syntax), in a fresh pwsh on the staged module.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $sarus = Join-Path $PSScriptRoot '../../../shared/corpus/sarus-like/v5/sarus_like_000.mat'
    if (-not (Test-Path $sarus)) { $sarus = '/work/shared/corpus/sarus-like/v5/sarus_like_000.mat' }
}

Describe 'New-SyntheticFrame -Psf Ultrasound' {
    It 'makes IQ frames as two channels, real then imaginary, whose magnitude is the envelope' {
        $iq = New-SyntheticFrame -Psf Ultrasound -Output Iq -Count 1 -Size 32 -Seed 4
        $envelope = New-SyntheticFrame -Psf Ultrasound -Output Envelope -Count 1 -Size 32 -Seed 4
        $iq.Channels | Should -Be 2
        $iq.Shape | Should -Be @(32, 32)
        $iq.Data.Count | Should -Be 2048
        $envelope.Channels | Should -Be 1
        foreach ($i in 0, 100, 517, 1023) {
            $magnitude = [math]::Sqrt($iq.Data[$i] * $iq.Data[$i] + $iq.Data[1024 + $i] * $iq.Data[1024 + $i])
            $magnitude | Should -BeGreaterOrEqual ($envelope.Data[$i] - 1e-4)
            $magnitude | Should -BeLessOrEqual ($envelope.Data[$i] + 1e-4)
        }
    }

    It 'marks IQ frames in the table view' {
        $text = New-SyntheticFrame -Psf Ultrasound -Output Iq -Count 1 -Size 16 -Seed 4 | Format-Table | Out-String
        $text | Should -Match '16x16 IQ'
        $plain = New-SyntheticFrame -Count 1 -Size 16 | Format-Table | Out-String
        $plain | Should -Not -Match 'IQ'
    }

    It 'takes the probe, the output and its dynamic range from the [simulation] section' {
        $config = Join-Path $TestDrive 'us.toml'
        Set-Content $config "[simulation]`npsf = `"ultrasound`"`noutput = `"bmode_db`"`ndynamic_range_db = 40`nsize = 32`ntissue_scatterers = 500`nf_number = 2.0"
        $frame = New-SyntheticFrame -Config $config -Count 1
        $frame.Max | Should -Be 0
        $frame.Min | Should -BeGreaterOrEqual -40
        $frame.Min | Should -BeLessThan -10
    }

    It 'names the key and the allowed values for an unknown output' {
        $config = Join-Path $TestDrive 'bad.toml'
        Set-Content $config "[simulation]`npsf = `"ultrasound`"`noutput = `"rf`""
        { New-SyntheticFrame -Config $config -Count 1 -ErrorAction Stop } | Should -Throw '*simulation.output*"envelope", "iq", "bmode_db"*'
    }
}

Describe 'Export-FramePreview of ultrasound frames' {
    It 'draws IQ frames as |IQ| and as B-mode with -DynamicRangeDb' {
        $frames = New-SyntheticFrame -Psf Ultrasound -Output Iq -Count 2 -Size 32 -Seed 1
        $png = $frames | Export-FramePreview -Path (Join-Path $TestDrive 'iq.png') -PassThru
        $bmode = $frames | Export-FramePreview -Path (Join-Path $TestDrive 'bmode.png') -DynamicRangeDb 40 -PassThru
        $png.Length | Should -BeGreaterThan 1000
        $bmode.Length | Should -BeGreaterThan 1000
        # Different pictures: the B-mode one is log-compressed on a grey scale.
        (Get-FileHash $png.FullName).Hash | Should -Not -Be (Get-FileHash $bmode.FullName).Hash
    }

    It 'refuses a dynamic range outside 1 to 200 dB' {
        { New-SyntheticFrame -Count 1 -Size 16 | Export-FramePreview -Path (Join-Path $TestDrive 'x.png') -DynamicRangeDb 0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,DataPipeline.PowerShell.Commands.ExportFramePreviewCommand'
    }
}

Describe 'svd_cutoff = "auto" in the simulator' {
    It 'says in -Verbose how many components it removed: some with tissue, none without' {
        $config = Join-Path $TestDrive 'auto.toml'
        $text = "[simulation]`npsf = `"ultrasound`"`noutput = `"iq`"`nsize = 32`nframes = 16`ntissue_scatterers = TISSUE`nsvd_cutoff = `"auto`"`nseed = 3"
        Set-Content $config $text.Replace('TISSUE', '2000')
        $out = New-SyntheticFrame -Config $config -Count 2 -ThrottleLimit 1 -Verbose 4>&1
        $notices = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $notices | Should -HaveCount 2
        $notices[0].Message -match '^frame 0: svd_cutoff = "auto" removed the first (\d+) of 16 singular components' | Should -BeTrue
        [int]$Matches[1] | Should -BeGreaterThan 0
        @($out | Where-Object { $_ -is [DataPipeline.Engine.Frames.Frame] }) | Should -HaveCount 2

        Set-Content $config $text.Replace('TISSUE', '0')
        $clean = New-SyntheticFrame -Config $config -Count 1 -Verbose 4>&1
        @($clean | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })[0].Message | Should -BeLike 'frame 0: svd_cutoff = "auto" removed the first 0 of 16 singular components*'
    }
}

Describe 'Import-MatDataset -SvdCutoff' {
    It 'keeping every component leaves the data as they were' {
        $plain = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum
        $kept = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum -SvdCutoff 1, 11
        $worst = 0
        for ($i = 0; $i -lt $plain.Data.Count; $i += 97) { $worst = [math]::Max($worst, [math]::Abs($plain.Data[$i] - $kept.Data[$i])) }
        $worst | Should -BeLessThan (1e-4 * $plain.Max)
    }

    It 'removing the first component (the static part of the 11 frames) removes most of their sum' {
        $plain = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum
        $filtered = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum -SvdCutoff 2, 11
        $filtered.Max | Should -BeLessThan (0.5 * $plain.Max)
    }

    It 'reports a file whose variable is not H x W x T and goes on' {
        $frames = Import-MatDataset $sarus -DataVariable conf_map.gauss -LabelVariable '' -SvdCutoff 2, 5 -ErrorVariable problems -ErrorAction SilentlyContinue
        $frames | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MatFileUnreadable,*'
        $problems[0].Exception.Message | Should -BeLike '*svd_cutoff*H x W x T*'
    }

    It 'refuses a cutoff whose low end is above its high end, and a word other than auto' {
        { Import-MatDataset $sarus -SvdCutoff 5, 2 -ErrorAction Stop } | Should -Throw -ErrorId 'SvdCutoffInvalid,DataPipeline.PowerShell.Commands.ImportMatDatasetCommand'
        { Import-MatDataset $sarus -SvdCutoff sometimes -ErrorAction Stop } | Should -Throw -ErrorId 'SvdCutoffInvalid,DataPipeline.PowerShell.Commands.ImportMatDatasetCommand'
    }

    It 'auto says in -Verbose how many components it removed, and filters as that fixed cutoff does' {
        $out = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum -SvdCutoff auto -Verbose 4>&1
        $notice = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $notice | Should -HaveCount 1
        $notice[0].Message -match 'sarus_like_000\.mat: svd_cutoff = "auto" removed the first (\d+) of 11 singular components' | Should -BeTrue
        $lo = [int]$Matches[1] + 1
        $auto = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $fixed = Import-MatDataset $sarus -DataVariable low_res.das -LabelVariable '' -Reduce Sum -SvdCutoff $lo, 11
        $auto | Should -HaveCount 1
        $worst = 0
        for ($i = 0; $i -lt $fixed.Data.Count; $i += 97) { $worst = [math]::Max($worst, [math]::Abs($fixed.Data[$i] - $auto[0].Data[$i])) }
        $worst | Should -BeLessThan (1e-4 * $fixed.Max)
    }

    It 'reads svd_cutoff = "auto" from a configuration file' {
        $config = Join-Path $TestDrive 'auto.toml'
        Set-Content $config "[data]`ndata_variable = `"low_res.das`"`nreduce = `"sum`"`nsvd_cutoff = `"auto`""
        $out = Import-MatDataset $sarus -Config $config -Verbose 4>&1
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })[0].Message | Should -BeLike '*svd_cutoff = "auto" removed the first*'
    }
}

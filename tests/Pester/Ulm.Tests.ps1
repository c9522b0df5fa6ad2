# User-facing behaviour of the ULM cmdlets (Get-ScattererTrack, New-UlmMap, Export-UlmMap,
# Measure-Localization -Method) in real pwsh against the staged module (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force

    # The engine assembly, from an object it made, for its non-accelerated helper types.
    $script:engine = (New-SyntheticFrame -Count 1 -Size 8 -Seed 1).GetType().Assembly
    function Get-EngineType([string]$Name) { $script:engine.GetType("DataPipeline.Engine.$Name", $true) }

    # A [T, Size, Size] frame at size ratio 1 whose known positions are the given tracks: each a
    # list of (step, row, column). Scatterer k is track k.
    function New-SequenceFrame([object[][]]$Tracks, [int]$Steps, [int]$Size = 16) {
        $type = Get-EngineType 'Frames.ScattererPosition'
        $points = @(for ($k = 0; $k -lt $Tracks.Count; $k++) { foreach ($p in $Tracks[$k]) { $type::new($p[0], $k, $p[1], $p[2], $true) } })
        $positions = [Array]::CreateInstance($type, $points.Count)
        for ($i = 0; $i -lt $points.Count; $i++) { $positions[$i] = $points[$i] }
        (Get-EngineType 'Frames.Frame')::new([float[]]::new($Steps * $Size * $Size), [int[]]($Steps, $Size, $Size), $null, $null, 'hand', 0, $positions)
    }
}

Describe 'Get-ScattererTrack' {
    It 'links known positions into one track per scatterer, with its velocity' {
        $frame = New-SequenceFrame -Steps 4 -Tracks @(
            , @(@(0, 2.0, 1.0), @(1, 2.0, 2.0), @(2, 2.0, 3.0), @(3, 2.0, 4.0))) 
        $tracks = @($frame | Get-ScattererTrack -From Positions)
        $tracks | Should -HaveCount 1
        $tracks[0].GetType().FullName | Should -Be 'DataPipeline.Engine.Tracking.Track'
        $tracks[0].Length | Should -Be 4
        $tracks[0].Points.Column | Should -Be @(1.0, 2.0, 3.0, 4.0)
        $tracks[0].Points[1].Speed | Should -Be 1
        $tracks[0].Points[1].Direction | Should -Be 90
        ($tracks[0].Height, $tracks[0].Width) | Should -Be @(16, 16)
    }

    It 'closes a gap of one missed step, and splits the track without gap closing' {
        $frame = New-SequenceFrame -Steps 5 -Tracks @(, @(@(0, 5.0, 0.0), @(1, 5.0, 1.0), @(3, 5.0, 3.0), @(4, 5.0, 4.0)))
        @($frame | Get-ScattererTrack -From Positions -MaxGapSteps 1) | Should -HaveCount 1
        $split = @($frame | Get-ScattererTrack -From Positions -MaxGapSteps 0)
        $split | Should -HaveCount 2
        $split[1].FirstStep | Should -Be 3
    }

    It 'drops tracks shorter than -MinLength' {
        $frame = New-SequenceFrame -Steps 3 -Tracks @(@(@(0, 1.0, 1.0), @(1, 1.0, 2.0), @(2, 1.0, 3.0)), @(, @(0, 12.0, 12.0)))
        @($frame | Get-ScattererTrack -From Positions -MinLength 2) | Should -HaveCount 1
        @($frame | Get-ScattererTrack -From Positions -MinLength 1) | Should -HaveCount 2
        @($frame | Get-ScattererTrack -From Positions -MinLength 4) | Should -HaveCount 0
    }

    It 'scores perfect linking of well-separated simulated scatterers as perfect' {
        $frame = New-SequenceFrame -Steps 6 -Tracks @(
            @(0..5 | ForEach-Object { , @($_, 3.0, (1.0 + $_)) }),
            @(0..5 | ForEach-Object { , @($_, 12.0, (10.0 - $_)) }))
        $score = $frame | Get-ScattererTrack -From Positions -Score -TolerancePx 0.5
        $score.GetType().FullName | Should -Be 'DataPipeline.Engine.Tracking.TrackingResult'
        $score.TrueLinks | Should -Be 10
        $score.TrueLinkFraction | Should -Be 1
        $score.FalseLinkFraction | Should -Be 0
        $score.TrackJaccard | Should -Be 1
        $score.Sequences | Should -HaveCount 1
    }

    It 'links the peaks of predictions' {
        $frames = New-SyntheticFrame -Count 2 -Frames 6 -Size 32 -Scatterers 1, 2 -Seed 11
        # A model that reproduced its labels exactly.
        $tracks = @($frames | ForEach-Object { $_.WithPrediction($_.Label) } | Get-ScattererTrack -MaxLinkingDistancePx 9 -MinLength 3)
        $tracks.Count | Should -BeGreaterThan 0
        @([System.Linq.Enumerable]::Distinct([int[]]$tracks.Index)) | Should -Be @(0, 1)
    }

    It 'writes a non-terminating error naming -From for a frame without a prediction' {
        $frame = New-SequenceFrame -Steps 2 -Tracks @(, @(@(0, 1.0, 1.0), @(1, 1.0, 2.0)))
        $tracks = $frame | Get-ScattererTrack -ErrorVariable problems -ErrorAction SilentlyContinue
        $tracks | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FrameNotTrackable,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -BeLike '*-From Positions*'
    }

    It 'links consecutive 2-D frames of one source as one sequence with -Consecutive' {
        $type = Get-EngineType 'Frames.ScattererPosition'
        $frames = foreach ($t in 0..3) {
            $positions = [Array]::CreateInstance($type, 1)
            $positions[0] = $type::new(0, 0, 4.0, 2.0 + $t, $true)
            (Get-EngineType 'Frames.Frame')::new([float[]]::new(256), [int[]](16, 16), $null, $null, 'acquisition', $t, $positions)
        }
        # Without -Consecutive every 2-D frame is a sequence of one step: no track reaches two points.
        @($frames | Get-ScattererTrack -From Positions) | Should -HaveCount 0
        $tracks = @($frames | Get-ScattererTrack -From Positions -Consecutive)
        $tracks | Should -HaveCount 1
        $tracks[0].Points.Step | Should -Be @(0, 1, 2, 3)
        $tracks[0].Points.Column | Should -Be @(2.0, 3.0, 4.0, 5.0)
        $tracks[0].Source | Should -Be 'acquisition'
    }

    It 'links the detections of a Measure-Localization result' {
        $frames = New-SyntheticFrame -Count 1 -Frames 5 -Size 32 -Scatterers 2, 2 -Seed 4
        $result = $frames | ForEach-Object { $_.WithPrediction($_.Label) } | Measure-Localization
        $tracks = @($result | Get-ScattererTrack -MaxLinkingDistancePx 9 -MinLength 2)
        $tracks.Count | Should -BeGreaterThan 0
        $tracks[0].Height | Should -BeNullOrEmpty
    }
}

Describe 'New-UlmMap and Export-UlmMap' {
    BeforeAll {
        # Two tracks crossing a 5x5 field at different times: along row 2 at 2 px/step during steps
        # 0-2, along column 2 at 4 px/step during steps 4-5 (too late to continue the first).
        $frame = New-SequenceFrame -Steps 6 -Size 5 -Tracks @(@(@(0, 2.0, 0.0), @(1, 2.0, 2.0), @(2, 2.0, 4.0)), @(@(4, 0.0, 2.0), @(5, 4.0, 2.0)))
        $map = $frame | Get-ScattererTrack -From Positions -MaxLinkingDistancePx 4 -MaxGapSteps 0 | New-UlmMap -Scale 1
    }

    It 'counts track passes per pixel, the crossing twice, with mean speed' {
        $map.GetType().FullName | Should -Be 'DataPipeline.Engine.Maps.UlmMap'
        ($map.Height, $map.Width, $map.TrackCount) | Should -Be @(5, 5, 2)
        $map.At($map.Density, 2, 2) | Should -Be 2
        $map.At($map.Density, 0, 0) | Should -Be 0
        [System.Linq.Enumerable]::Sum([double[]]$map.Density) | Should -Be 10
        $map.At($map.Speed, 2, 2) | Should -Be 3
    }

    It 'counts plain localisations on a finer grid' {
        $density = $frame | New-UlmMap -From Positions -Scale 2
        ($density.Height, $density.Width) | Should -Be @(10, 10)
        [System.Linq.Enumerable]::Sum([double[]]$density.Density) | Should -Be 5
        $density.At($density.Density, 5, 1) | Should -Be 1   # (2.0, 0.0) at scale 2: floor(2.5 x 2), floor(0.5 x 2)
    }

    It 'needs -Size for tracks that do not carry their field of view' {
        $track = (Get-EngineType 'Tracking.Track')::FromPositions(0, 'hand', 0,
            [System.ValueTuple[int, double, double][]]@([System.ValueTuple[int, double, double]]::new(0, 1.0, 1.0)), $null, $null)
        { $track | New-UlmMap -ErrorAction Stop } | Should -Throw -ErrorId 'MapSizeUnknown,*'
        ($track | New-UlmMap -Size 4, 6).Width | Should -Be 24
    }

    It 'writes a PNG, a MAT-file that reads back, and an HDF5 file' {
        $png = $map | Export-UlmMap ([System.IO.Path]::Combine($TestDrive, 'ulm.png')) -PassThru
        $png.Length | Should -BeGreaterThan 1000
        [System.IO.File]::ReadAllBytes($png.FullName)[1..3] | Should -Be @(0x50, 0x4E, 0x47)

        $map | Export-UlmMap ([System.IO.Path]::Combine($TestDrive, 'ulm.mat'))
        $variables = Get-MatVariable ([System.IO.Path]::Combine($TestDrive, 'ulm.mat'))
        $variables.Name | Should -Be @('density', 'speed', 'direction', 'scale')
        ($variables | Where-Object Name -EQ 'density').Dimensions | Should -Be @(5, 5)

        $h5 = $map | Export-UlmMap ([System.IO.Path]::Combine($TestDrive, 'ulm.data')) -Format Hdf5 -PassThru
        [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($h5.FullName), 1, 3) | Should -Be 'HDF'
    }

    It 'refuses a file name that implies no format' {
        { $map | Export-UlmMap ([System.IO.Path]::Combine($TestDrive, 'ulm.txt')) -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownMapFormat,*'
        [System.IO.File]::Exists([System.IO.Path]::Combine($TestDrive, 'ulm.txt')) | Should -BeFalse
    }
}

Describe 'Measure-Localization -Method' {
    BeforeAll {
        # Frames hold scatterers near the edges, where the patch shrinks: the 0.05 px bound on lone spots is the engine's test.
        $frames = New-SyntheticFrame -Count 10 -Size 48 -Scatterers 2, 2 -NoiseStd 0 -PsfSigma 1.2 -Seed 21
        function Test-Method([string]$Method) {
            $result = $frames | Measure-Localization -Method $Method -WindowPx 7 -Threshold 0.3 -TolerancePx 1
            $result.Method | Should -Be $Method
            $result.TruePositives | Should -BeGreaterThan 15
            $result.RmsePx | Should -BeLessThan 0.1
            $result.Pixels | Should -BeNullOrEmpty
        }
    }

    It 'finds the scatterers of noiseless data frames with WeightedAverage and localises them within 0.1 px' { Test-Method 'WeightedAverage' }
    It 'finds the scatterers of noiseless data frames with RadialSymmetry and localises them within 0.1 px' { Test-Method 'RadialSymmetry' }
    It 'finds the scatterers of noiseless data frames with GaussianFit and localises them within 0.1 px' { Test-Method 'GaussianFit' }
}

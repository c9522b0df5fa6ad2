# IQ (two-channel) frames through frame stores and MAT files, in a fresh pwsh on the staged module (Pester 5 syntax).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("dp-iqstore-" + [guid]::NewGuid())
    New-Item -ItemType Directory $dir | Out-Null
    $iq = New-SyntheticFrame -Psf Ultrasound -Output Iq -Count 6 -Size 16 -Seed 4
}

AfterAll { Remove-Item -Recurse -Force $dir }

Describe 'IQ frames in a frame store' {
    It 'comes back from Import-FrameDataset and New-BatchGenerator -Path with both channels' {
        $store = Join-Path $dir 'iq.h5'
        $iq | Export-FrameDataset -Path $store
        $back = Import-FrameDataset -Path $store
        $back.Count | Should -Be 6
        for ($i = 0; $i -lt 6; $i++) {
            $back[$i].Channels | Should -Be 2
            [System.Linq.Enumerable]::SequenceEqual([float[]]$iq[$i].Data, [float[]]$back[$i].Data) | Should -BeTrue
        }
        $g = New-BatchGenerator -Path $store -BatchSize 2 -ValidationFraction 0 -Seed 1
        $b = Get-Batch -Generator $g -First 1
        # Both channels of each frame, channel-major: 2 x 16 x 16 values per frame.
        $b.Data.Count | Should -Be (2 * 2 * 256)
        $first = [float[]]::new(512); [Array]::Copy($b.Data, $first, 512)
        [System.Linq.Enumerable]::SequenceEqual([float[]]$iq[$b.Indices[0]].Data, $first) | Should -BeTrue
    }

    It 'refuses to append envelope frames to an IQ store and keeps the store' {
        $store = Join-Path $dir 'mixed.h5'
        $iq | Export-FrameDataset -Path $store
        $before = Get-FileHash $store
        $envelope = New-SyntheticFrame -Psf Ultrasound -Output Envelope -Count 2 -Size 16 -Seed 4
        $e = { $envelope | Export-FrameDataset -Path $store -Append -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'FrameShapeMismatch*'
        $e.Exception.Message | Should -Match "1 channel\(s\) but the store's frames have 2"
        (Get-FileHash $store).Hash | Should -Be $before.Hash
    }
}

Describe 'IQ frames in a MAT file' {
    It 'writes data as a complex single array' {
        $mat = Join-Path $dir 'iq.mat'
        $iq | Export-MatFile -Path $mat
        $data = Get-MatVariable -Path $mat -Name data
        $data.Class | Should -Be 'single'
        $data.IsComplex | Should -BeTrue
        $data.Dimensions | Should -Be @(16, 16, 6)
        # MATLAB element (r, c, n) column-major; frame n row-major, imaginary part after the 256 real values.
        $re = $data.ToDoubleArray($false); $im = $data.ToDoubleArray($true)
        foreach ($k in @(@(0, 0, 0), @(3, 7, 2), @(15, 1, 5))) {
            $r, $c, $n = $k
            $re[$r + 16 * $c + 256 * $n] | Should -Be $iq[$n].Data[16 * $r + $c]
            $im[$r + 16 * $c + 256 * $n] | Should -Be $iq[$n].Data[256 + 16 * $r + $c]
        }
    }
}

Describe 'Import-MatDataset -ComplexPart Iq' {
    It 'reads an exported complex single array back as the same two-channel frames' {
        $mat = Join-Path $dir 'iq-roundtrip.mat'
        $iq | Export-MatFile -Path $mat
        $back = Import-MatDataset -Path $mat -DataVariable data -LabelVariable '' -ComplexPart Iq -FrameDim 3 -Reduce None
        $back.Count | Should -Be $iq.Count
        for ($n = 0; $n -lt $iq.Count; $n++) {
            $back[$n].Channels | Should -Be 2
            $back[$n].Shape | Should -Be @(16, 16)
            # Single precision both ways: the values come back exactly.
            $back[$n].Data | Should -Be $iq[$n].Data
        }
    }

    It 'refuses reduce = max over IQ with an argument error that says what to use' {
        $mat = Join-Path $dir 'iq-roundtrip.mat'
        $e = { Import-MatDataset -Path $mat -DataVariable data -LabelVariable '' -ComplexPart Iq -Reduce Max -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidDataSettings*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -Match 'reduce = "max"'
        $e.Exception.Message | Should -Match 'sum'
    }
}

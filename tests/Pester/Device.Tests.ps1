# Get-TrainingDevice: what -Device can name on this machine.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Get-TrainingDevice' {
    BeforeAll {
        $devices = @(Get-TrainingDevice)
    }

    It 'lists the CPU first, available, with this machine''s logical cores' {
        $devices[0].Device | Should -BeExactly 'cpu'
        $devices[0].Available | Should -BeTrue
        $devices[0].Cores | Should -Be ([Environment]::ProcessorCount)
        $devices[0].Threads | Should -BeGreaterThan 0
    }

    It 'says why CUDA is unavailable on a CPU-backend build, and -Available drops it' {
        $cuda = @($devices | Where-Object Type -EQ 'CUDA')
        $cuda | Should -HaveCount 1
        $cuda[0].Available | Should -BeFalse
        $cuda[0].Note | Should -BeLike '*CPU backend*'
        (Get-TrainingDevice -Available).Device | Should -Be @('cpu')
    }

    It 'shows every column of its table as a property that Sort-Object and Select-Object can use' {
        $table = $devices | Format-Table | Out-String -Width 200
        $header = ($table -split "`n" | Where-Object { $_ -match '\S' })[0]
        foreach ($column in -split $header) {
            $devices[0].PSObject.Properties.Name | Should -Contain $column -Because "the view shows a column '$column'"
        }
    }
}

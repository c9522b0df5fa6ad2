# Invoke-TrainingSweep: keys that cannot change the runs are refused; simulation keys regenerate
# the frames of each combination when none are piped in (Pester 5, real pwsh, the staged module).

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
    $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData/small.toml')
}

Describe 'Invoke-TrainingSweep keys' {
    It 'refuses a simulation key when the frames are piped in, before anything trains' {
        $frames = New-SyntheticFrame -Count 8 -Size 16 -Seed 8
        $output = [System.IO.Path]::Combine($TestDrive, 'refused')
        { $frames | Invoke-TrainingSweep -Config $config -OutputDirectory $output -Parameter @{ 'simulation.noise_std' = 0.01, 0.5 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'SweepKeyNotApplicable,*' -ExpectedMessage '*simulation.noise_std*pipe nothing*'
        [System.IO.Directory]::Exists($output) | Should -BeFalse
    }

    It 'refuses a data key' {
        $frames = New-SyntheticFrame -Count 8 -Size 16 -Seed 8
        { $frames | Invoke-TrainingSweep -Config $config -Parameter @{ 'data.normalize' = 'max', 'zscore' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'SweepKeyNotApplicable,*'
    }

    It 'simulates each combination''s frames from its own [simulation] section when none are piped in' {
        $results = Invoke-TrainingSweep -Config $config -OutputDirectory ([System.IO.Path]::Combine($TestDrive, 'noise')) -Parameter @{
            'simulation.noise_std' = 0.0, 0.5
            'simulation.count'     = 16
            'training.epochs'      = 1
        }
        $results | Should -HaveCount 2
        $results.Status | Should -Be @('Completed', 'Completed')
        $results[0].Run.Config.Simulation.NoiseStd | Should -Be 0.0
        $results[1].Run.Config.Simulation.NoiseStd | Should -Be 0.5
        ($results.Run | ForEach-Object { $_.TrainingFrames + $_.ValidationFrames }) | Should -Be @(16, 16)
        # Different data, so different losses (the original gave identical results).
        $results[0].Run.History[0].Loss | Should -Not -Be $results[1].Run.History[0].Loss
    }
}

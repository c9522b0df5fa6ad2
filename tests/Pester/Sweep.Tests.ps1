# Invoke-TrainingSweep: every combination, each applied and checked like a configuration file.

BeforeAll {
    Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
}

Describe 'Invoke-TrainingSweep' {
    BeforeAll {
        $config = [System.IO.Path]::Combine($PSScriptRoot, 'TestData', 'small.toml')
        $frames = New-SyntheticFrame -Count 24 -Size 16 -Seed 8
    }

    It 'trains one run per combination, with the values really applied' {
        $results = $frames | Invoke-TrainingSweep -Config $config -OutputDirectory ([System.IO.Path]::Combine($TestDrive, 'sweep')) -Parameter @{
            'training.learning_rate' = 0.01, 0.001
            'model.filters'          = 4, 6
            'training.epochs'        = 1
        }
        $results | Should -HaveCount 4
        $results[3].Number | Should -Be 4
        $results[3].Of | Should -Be 4
        foreach ($result in $results) {
            $result.Status | Should -Be 'Completed'
            $result.Run.Config.Model.Filters | Should -Be $result.Parameters['model.filters']
            $result.Run.Config.Training.LearningRate | Should -Be $result.Parameters['training.learning_rate']
            $result.Run.History | Should -HaveCount 1
        }
        # keys run in sorted order, so points 3 and 4 have filters 6, more parameters than filters 4
        $results[2].Run.TrainableParameters | Should -BeGreaterThan $results[0].Run.TrainableParameters
    }

    It 'rejects an unknown key before anything trains' {
        { $frames | Invoke-TrainingSweep -Config $config -Parameter @{ 'training.learnig_rate' = 0.1 } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*training.learnig_rate*'
    }

    It 'rejects an out-of-range value with the allowed range' {
        { $frames | Invoke-TrainingSweep -Config $config -Parameter @{ 'batch.validation_fraction' = 0.2, 1.5 } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*allowed range is `[0, 1)*'
    }
}

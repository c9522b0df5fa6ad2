# Tab completion (issue 11, defect 9), through TabExpansion2 as the console asks for it.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
    }
}

Describe 'Invoke-TrainingSweep -Parameter completion' {
    It 'opens the hashtable with the first key' {
        Complete "Invoke-TrainingSweep -Parameter training.learning_r" | Should -Be "@{ 'training.learning_rate' = "
    }
}

Describe 'Import-MatDataset -DataVariable completion' {
    BeforeAll {
        $root = Join-Path $TestDrive 'mats'
        $nested = New-Item -ItemType Directory -Path (Join-Path $root 'day1')
        New-SyntheticFrame -Count 1 -Size 16 -Seed 1 | Export-MatFile -LiteralPath (Join-Path $nested 'scan.mat')
    }

    It 'reads the first file of a folder''s subfolders with -Recurse' {
        Complete "Import-MatDataset -Path '$root' -Recurse -DataVariable la" | Should -Be 'label'
    }

    It 'offers nothing from an empty folder without -Recurse' {
        Complete "Import-MatDataset -Path '$root' -DataVariable la" | Should -BeNullOrEmpty
    }

    It 'reads the file named by -LiteralPath' {
        $file = Join-Path $root 'scan[1].mat'
        New-SyntheticFrame -Count 1 -Size 16 -Seed 2 | Export-MatFile -LiteralPath $file
        Complete "Import-MatDataset -LiteralPath '$file' -DataVariable da" | Should -Be 'data'
    }
}

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

Describe 'Sweep keys inside Invoke-TrainingSweep -Parameter @{ ... }' {
    It 'are offered after the first key and a ;' {
        $offered = Complete "Invoke-TrainingSweep -Parameter @{ 'training.learning_rate' = 0.1, 0.01; training.epo"
        $offered | Should -Be "'training.epochs'"
        $all = Complete "Invoke-TrainingSweep -Config c.toml -Parameter @{ 'training.learning_rate' = 0.1; "
        $all | Should -Contain "'model.depth'"
        $all | Should -Contain "'training.epochs'"
        # A key already given is not offered again.
        $all | Should -Not -Contain "'training.learning_rate'"
    }

    It 'are offered on a new line, quoted or not, and at the first key' {
        Complete "Invoke-TrainingSweep -Parameter @{`n    'training.learning_rate' = 0.1`n    'model.dep" | Should -Be "'model.depth'"
        Complete "Invoke-TrainingSweep -Parameter @{ model.dep" | Should -Be "'model.depth'"
        Complete "Invoke-TrainingSweep -Param:@{ 'model.depth' = 2; model.filt" | Should -Be "'model.filters'"
        # -Pa is ambiguous (-Parameter, -Partition, -Path): no sweep keys, and no error at the prompt.
        { Complete "Invoke-TrainingSweep -Pa:@{ 'model.depth' = 2; model.filt" } | Should -Not -Throw
        Complete "Invoke-TrainingSweep -Pa:@{ 'model.depth' = 2; model.filt" | Should -Not -Contain "'model.filters'"
    }

    It 'are offered to PSReadLine, which asks CommandCompletion.CompleteInput with a PowerShell on the current runspace' {
        $line = "Invoke-TrainingSweep -Parameter @{ 'model.depth' = 2; model.filt"
        $shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace)
        try {
            [System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null, $shell).CompletionMatches.CompletionText |
                Should -Be "'model.filters'"
        } finally { $shell.Dispose() }
    }

    It 'replace only the word typed' {
        $line = "Invoke-TrainingSweep -Parameter @{ 'model.depth' = 2; training.epo"
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.ReplacementIndex | Should -Be $line.IndexOf('training.epo')
        $result.ReplacementLength | Should -Be 'training.epo'.Length
    }

    It 'are not offered in a value, in another command''s hashtable or after the literal' {
        Complete "Invoke-TrainingSweep -Parameter @{ 'training.learning_rate' = tra" | Should -Not -Contain "'training.epochs'"
        Complete "Invoke-TrainingSweep -Parameter @{ 'training.learning_rate' = @(0.1, tra" | Should -Not -Contain "'training.epochs'"
        Complete "Get-ChildItem -Path @{ 'a' = 1; tra" | Should -Not -Contain "'training.epochs'"
        Complete "`$p = @{ 'a' = 1; tra" | Should -Not -Contain "'training.epochs'"
        Complete "Invoke-TrainingSweep -Parameter @{ 'model.depth' = 2 } -Con" | Should -Be '-Config'
    }

    It 'leave every other completion as it was' {
        Complete 'Get-ChildIte' | Should -Contain 'Get-ChildItem'
        Complete 'Invoke-TrainingSweep -Param' | Should -Be '-Parameter'
        Complete "Invoke-TrainingSweep -Parameter training.learning_r" | Should -Be "@{ 'training.learning_rate' = "
        Complete "Get-Process -Name @{ Na" | Should -Not -Contain "'training.epochs'"
    }

    It 'are gone with the module, and TabExpansion2 is the original again' {
        $before = (Get-Item function:TabExpansion2).ScriptBlock.ToString()
        Remove-Module DataPipeline
        try {
            (Get-Item function:TabExpansion2).ScriptBlock.ToString() | Should -Not -Be $before
            (Get-Item function:TabExpansion2).ScriptBlock.ToString() | Should -Not -Match 'SweepKeyTabExpansion'
            Complete "Invoke-TrainingSweep -Parameter @{ 'model.depth' = 2; training.epo" | Should -Not -Contain "'training.epochs'"
        } finally {
            Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
        }
        # Imported again (also with -Force over a loaded module), it wraps the original once, not itself.
        Import-Module ($env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')) -Force
        (Get-Item function:TabExpansion2).ScriptBlock.ToString() | Should -Be $before
        Complete "Invoke-TrainingSweep -Parameter @{ 'model.depth' = 2; training.epo" | Should -Be "'training.epochs'"
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

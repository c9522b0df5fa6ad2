# The module's types are nameable by their full names although the engine loads in an assembly
# load context of its own (issue 11, defect 1), and third-party libraries stay isolated.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $moduleBase = (Get-Module DataPipeline).ModuleBase
}

Describe 'Engine type names' {
    It 'name the type of the objects the cmdlets emit, in type literals, -is, -as and param blocks' {
        $frame = New-SyntheticFrame -Count 1 -Size 16 -Seed 1
        $frame.GetType() | Should -Be ([DataPipeline.Engine.Frames.Frame])
        $frame -is [DataPipeline.Engine.Frames.Frame] | Should -BeTrue
        'DataPipeline.Engine.Frames.Frame' -as [type] | Should -Be $frame.GetType()
        function Measure-Frame { param([DataPipeline.Engine.Frames.Frame[]] $Frame) $Frame.Count }
        Measure-Frame -Frame $frame, $frame | Should -Be 2
        $generator = $frame, $frame, $frame, $frame | New-BatchGenerator -BatchSize 2
        $generator -is [DataPipeline.Engine.Batching.BatchGenerator] | Should -BeTrue
        $generator | Get-Batch -First 1 | Should -BeOfType ([DataPipeline.Engine.Batching.Batch])
    }

    It 'resolve every type that the views format' {
        [xml] $views = Get-Content -LiteralPath (Join-Path $moduleBase 'DataPipeline.format.ps1xml') -Raw
        $names = $views.Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName | Sort-Object -Unique
        $names.Count | Should -BeGreaterThan 10
        foreach ($name in $names) { $name -as [type] | Should -Not -BeNullOrEmpty -Because "$name is formatted by the module" }
    }

    It 'resolve every type that the cmdlets declare as output or take as a parameter' {
        $commands = Get-Command -Module DataPipeline
        $names = @($commands.OutputType.Name) + @($commands.Parameters.Values.ParameterType |
            ForEach-Object { if ($_.IsArray) { $_.GetElementType() } else { $_ } } |
            Where-Object Namespace -Like 'DataPipeline.*' | ForEach-Object FullName) |
            Where-Object { $_ -like 'DataPipeline.*' } | Sort-Object -Unique
        $names | Should -Contain 'DataPipeline.Engine.Training.TrainingRun'
        $names | Should -Contain 'DataPipeline.Engine.Mat.MatVariable'
        foreach ($name in $names) { $name -as [type] | Should -Not -BeNullOrEmpty -Because "$name is in a cmdlet's signature" }
    }

    It 'leave the libraries the engine uses unnameable: they stay in the module''s load context' {
        'TorchSharp.torch' -as [type] | Should -BeNullOrEmpty
        'Tomlyn.Toml' -as [type] | Should -BeNullOrEmpty
    }

    It 'are gone after Remove-Module, in a fresh pwsh' {
        # PowerShell caches the types it has resolved, so the name asked after Remove-Module is one
        # not asked before.
        $probe = "Import-Module '$($moduleBase -replace "'", "''")/DataPipeline.psd1'; " +
            "[bool]('DataPipeline.Engine.Frames.Frame' -as [type]); Remove-Module DataPipeline; " +
            "[bool]('DataPipeline.Engine.Batching.Batch' -as [type])"
        $answers = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $probe
        $answers | Should -Be 'True', 'False'
    }
}

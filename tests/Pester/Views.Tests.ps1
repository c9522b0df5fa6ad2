# What the views show is what the objects hold (issue 11, defect 8): every table column is a real
# property, written files come back as Get-Item gives them, and epochs count from 1 everywhere.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $moduleBase = (Get-Module DataPipeline).ModuleBase
}

Describe 'DataPipeline.format.ps1xml' {
    It 'names a real property of its type in every table column' {
        [xml] $views = Get-Content -LiteralPath (Join-Path $moduleBase 'DataPipeline.format.ps1xml') -Raw
        $tables = $views.Configuration.ViewDefinitions.View | Where-Object { $_.TableControl }
        $tables.Count | Should -BeGreaterThan 10
        $missing = foreach ($view in $tables) {
            $type = $view.ViewSelectedBy.TypeName -as [type]
            $properties = $type.GetProperties().Name
            $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
            $items = @($view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem)
            $headers.Count | Should -Be $items.Count
            for ($i = 0; $i -lt $headers.Count; $i++) {
                # A column without a label is titled by its property.
                $column = $headers[$i].Label ?? $items[$i].PropertyName
                if ($column -notin $properties) { "$($type.Name).$column" }
            }
        }
        $missing | Should -BeNullOrEmpty
    }

    It 'names a real property of its type in every list item' {
        [xml] $views = Get-Content -LiteralPath (Join-Path $moduleBase 'DataPipeline.format.ps1xml') -Raw
        $lists = $views.Configuration.ViewDefinitions.View | Where-Object { $_.ListControl }
        $lists.Count | Should -BeGreaterOrEqual 3
        $missing = foreach ($view in $lists) {
            $type = $view.ViewSelectedBy.TypeName -as [type]
            $properties = $type.GetProperties().Name
            foreach ($item in @($view.ListControl.ListEntries.ListEntry.ListItems.ListItem)) {
                # A computed item must still be labelled with the property whose value it formats.
                $shown = $item.Label ?? $item.PropertyName
                if (-not $shown -or $shown -notin $properties) { "$($type.Name).$shown" }
            }
        }
        $missing | Should -BeNullOrEmpty
    }

    It 'prints a model and a generator with property names as labels' {
        $generator = New-SyntheticFrame -Count 8 -Size 16 -Seed 2 | New-BatchGenerator -BatchSize 4 -ValidationFraction 0.25 -Seed 1
        $lines = ($generator | Format-List | Out-String) -split "`n" | Where-Object { $_ -match '^\S.*:' }
        $labels = $lines | ForEach-Object { ($_ -split ':', 2)[0].Trim() }
        $labels | Should -Contain 'TrainingBatchesPerEpoch'
        foreach ($label in $labels) { $generator.PSObject.Properties.Name | Should -Contain $label }
        ($lines | Where-Object { $_ -match '^TrainingCount\s*:' }) | Should -Match ': 6$'
        $model = New-UNetModel -Config (Join-Path $PSScriptRoot 'TestData/small.toml')
        $modelLabels = (($model | Format-List | Out-String) -split "`n" | Where-Object { $_ -match '^\S.*:' }) | ForEach-Object { ($_ -split ':', 2)[0].Trim() }
        $modelLabels | Should -Contain 'TrainableParameters'
        foreach ($label in $modelLabels) { $model.PSObject.Properties.Name | Should -Contain $label }
    }

    It 'sorts frames by a shown column (Max)' {
        $frames = New-SyntheticFrame -Count 6 -Size 16 -Seed 3
        $sorted = $frames | Sort-Object Max
        $expected = $frames | Sort-Object { [System.Linq.Enumerable]::Max([float[]]$_.Data) }
        $sorted.Index | Should -Be $expected.Index
        $sorted[0].Max | Should -Be ([System.Linq.Enumerable]::Max([float[]]$sorted[0].Data))
        $sorted[0].Min | Should -Be ([System.Linq.Enumerable]::Min([float[]]$sorted[0].Data))
        ($sorted.Max | Sort-Object -Unique).Count | Should -BeGreaterThan 1
    }
}

Describe 'Files that cmdlets write' {
    It 'come back as Get-Item gives them, and format the same' {
        $path = Join-Path $TestDrive 'cfg.toml'
        $written = New-TrainingConfig -Path $path
        $item = Get-Item -LiteralPath $path
        $written.PSParentPath | Should -Be $item.PSParentPath
        $written.PSProvider.Name | Should -Be 'FileSystem'
        ($written | Out-String) | Should -Be ($item | Out-String)
        $preview = New-SyntheticFrame -Count 2 -Size 16 -Seed 1 | Export-FramePreview -Path (Join-Path $TestDrive 'p.png') -PassThru
        $preview.PSPath | Should -Be (Get-Item -LiteralPath (Join-Path $TestDrive 'p.png')).PSPath
    }
}

Describe 'Get-Batch' {
    It 'counts epochs from 1, as the history and run.log do' {
        $generator = New-SyntheticFrame -Count 8 -Size 16 -Seed 2 | New-BatchGenerator -BatchSize 4 -ValidationFraction 0 -Seed 1
        ($generator | Get-Batch).Epoch | Should -Be 1, 1
        ($generator | Get-Batch -Epoch 3).Epoch | Should -Be 3, 3
        # Epoch 1 is the first epoch training sees: the generator's stream 0.
        $stream = @($generator.GetBatches('Training', 0))
        ($generator | Get-Batch -Epoch 1).Indices | Should -Be $stream.Indices
        { $generator | Get-Batch -Epoch 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DataPipeline.PowerShell.Commands.GetBatchCommand'
    }
}

# No native library writes to the console (issue 11, defect 4): libtorch's NNPACK warning on every
# small-batch convolution went to the process's stderr, where 2>$null cannot reach it.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $moduleBase = (Get-Module DataPipeline).ModuleBase
}

Describe 'libtorch in a pwsh process' -Skip:(-not $IsLinux) {
    It 'writes nothing to stderr when predicting a batch of one frame' {
        # 16 filters keep oneDNN on (narrower networks switch it, and NNPACK with it, off). With one
        # frame on one core oneDNN declines the 1x1 output convolution, and libtorch asks whether
        # NNPACK is available, which printed the warning on every call where it is not.
        # That needs a CPU where NNPACK does not initialise: on one where it does (this project's
        # AMD EPYC machines, nnp_initialize() = 0) there is no warning to suppress and this test
        # passes with or without the fix; it guards the lab machines that showed the flood.
        $config = Join-Path $TestDrive 'wide.toml'
        Set-Content -LiteralPath $config -Value "[model]`ndepth = 2`nfilters = 16`nsize_ratio = 2`n"
        $probe = "Import-Module '$($moduleBase -replace "'", "''")/DataPipeline.psd1'; " +
            "`$model = New-UNetModel -Config '$config'; " +
            "`$frame = New-SyntheticFrame -Count 1 -Size 16 -SizeRatio 2 -Seed 1 | Invoke-UNetPrediction -Model `$model -BatchSize 1 -WarningAction SilentlyContinue; " +
            "`$frame.Prediction.Length"
        $stderr = Join-Path $TestDrive 'stderr.txt'
        $stdout = & taskset -c 0 (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $probe 2> $stderr
        $stdout | Should -Be 1024
        Get-Content -LiteralPath $stderr -Raw | Should -BeNullOrEmpty
    }
}

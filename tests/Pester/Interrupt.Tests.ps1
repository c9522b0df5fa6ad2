# Ctrl+C during training stops the script, as it stops any PowerShell command (issue 11, defect 2).
# The keystroke goes through a real terminal: `script` gives pwsh a pseudo-terminal, and the
# Ctrl+C byte written to it becomes SIGINT for pwsh from the terminal's line discipline, as when a
# user presses the keys.

BeforeAll {
    $module = $env:DATAPIPELINE_MODULE ?? (Join-Path $PSScriptRoot '../../out/DataPipeline/DataPipeline.psd1')
    Import-Module $module -Force
    $modulePath = Join-Path (Get-Module DataPipeline).ModuleBase 'DataPipeline.psd1'
}

Describe 'Ctrl+C during Invoke-UNetTraining' -Skip:$IsWindows {
    It 'stops the training after its step, with run.log and last.ckpt written, and the next training never starts' {
        $config = Join-Path $PSScriptRoot 'TestData/small.toml'
        $runs = Join-Path $TestDrive 'runs'
        $marks = Join-Path $TestDrive 'marks.txt'
        $loop = Join-Path $TestDrive 'loop.ps1'
        Set-Content -LiteralPath $loop -Value @'
param($Module, $Config, $Out, $Marks)
# Progress bars make the console host ask the terminal for the cursor position, which `script`'s
# terminal answers only when something reads it; the bars are not what this test is about.
$ProgressPreference = 'SilentlyContinue'
Import-Module $Module
$frames = New-SyntheticFrame -Count 64 -Size 16 -Seed 1 -Config $Config
foreach ($i in 1, 2) {
    Add-Content -LiteralPath $Marks "start $i"
    $frames | Invoke-UNetTraining -Config $Config -Epochs 100000 -OutputDirectory $Out | Out-Null
    Add-Content -LiteralPath $Marks "end $i"
}
'@
        $quoted = (Join-Path $PSHOME 'pwsh'), '-NoProfile', '-File', $loop, '-Module', $modulePath, '-Config', $config, '-Out', $runs, '-Marks', $marks |
            ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }
        $start = [System.Diagnostics.ProcessStartInfo]::new('script', [string[]]@('-qefc', ($quoted -join ' '), '/dev/null'))
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $terminal = [System.Diagnostics.Process]::Start($start)
        $output = $terminal.StandardOutput.ReadToEndAsync()
        try {
            # Two finished epochs: the first run has written its last.ckpt.
            $deadline = [DateTime]::UtcNow.AddMinutes(2)
            do {
                Start-Sleep -Milliseconds 200
                $log = Get-ChildItem -LiteralPath $runs -Filter run.log -Recurse -ErrorAction Ignore | Select-Object -First 1
            } until (($log -and (Get-Content -LiteralPath $log.FullName -Raw) -match 'epoch 2/') -or $terminal.HasExited -or [DateTime]::UtcNow -gt $deadline)
            $terminal.HasExited | Should -BeFalse -Because "the training runs until stopped"
            $terminal.StandardInput.Write([char]3)
            $terminal.StandardInput.Flush()
            $terminal.WaitForExit(60000) | Should -BeTrue -Because 'the script must end after Ctrl+C'
        }
        finally {
            if (-not $terminal.HasExited) { $terminal.Kill($true) }
        }
        Get-Content -LiteralPath $marks | Should -Be 'start 1'
        $folders = @(Get-ChildItem -LiteralPath $runs -Directory)
        $folders | Should -HaveCount 1
        Get-Content -LiteralPath (Join-Path $folders[0].FullName 'run.log') -Raw | Should -Match '(?m)^\S+ \S+ Stopped'
        Join-Path $folders[0].FullName 'last.ckpt' | Should -Exist
    }
}

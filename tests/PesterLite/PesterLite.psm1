# PesterLite: a minimal runner for the subset of Pester 5 syntax that tests/Pester uses, for machines
# that have neither pwsh nor Pester (the engine there is the System.Management.Automation package,
# which lacks the Utility and Management modules, so only core commands and .NET calls appear here).
#
# Like Pester 5, a file is handled in two phases:
#   discovery: the file is dot-sourced; Describe/Context run their bodies at once, while It and the
#              setup/teardown commands only record their script blocks in a tree of blocks;
#   run:       the tree is walked. Every block runs in a child scope of its parent block's scope, and
#              its BeforeAll blocks are dot-sourced into that scope, so their variables reach the Its of
#              the block and of nested blocks. Every It (with the BeforeEach/AfterEach around it) runs in
#              a child scope of its block's scope, so its variables do not leak into the next It.
#
# Test files are dot-sourced from inside this module, so their script blocks belong to this module's
# session state and run in the scopes the runner functions create. Those scopes are visible to the
# test code, which is why the runner's own variables carry the prefix __pl.

# Test code runs in this module's scopes; like Pester, do not impose a strict mode on it.
Set-StrictMode -Off

# The block that Describe/Context/It/BeforeAll... add themselves to during discovery; $null outside it.
$script:__plCurrentBlock = $null
# Results of the current Invoke-PesterLite call.
$script:__plResults = $null

$script:__plAssertionErrorId = 'PesterLiteAssertionFailed'

function New-PlBlock {
    param([string] $Kind, [string] $Name, [object] $Parent)
    [pscustomobject]@{
        Kind       = $Kind
        Name       = $Name
        Parent     = $Parent
        Items      = [System.Collections.Generic.List[object]]::new()
        BeforeAll  = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll   = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach  = [System.Collections.Generic.List[scriptblock]]::new()
    }
}

function Get-PlDiscoveryBlock {
    param([string] $Command)
    if ($null -eq $script:__plCurrentBlock) {
        throw "$Command can only be used in a test file run by Invoke-PesterLite."
    }
    $script:__plCurrentBlock
}

# "Describe > Context > It": the names from the outermost block down, without the file's root block.
function Get-PlFullName {
    param([object] $Block, [string] $Leaf)
    $names = [System.Collections.Generic.List[string]]::new()
    if ($Leaf) { $names.Add($Leaf) }
    for ($b = $Block; $null -ne $b -and $b.Kind -ne 'File'; $b = $b.Parent) { $names.Insert(0, $b.Name) }
    $names -join ' > '
}

function Add-PlBlock {
    param([string] $Kind, [string] $Name, [scriptblock] $Body)
    $parent = Get-PlDiscoveryBlock $Kind
    $block = New-PlBlock -Kind $Kind -Name $Name -Parent $parent
    $parent.Items.Add($block)
    $script:__plCurrentBlock = $block
    try {
        # Describe bodies run now, in a child scope; what they define is gone at run time, as in Pester 5.
        $null = & $Body
    }
    finally {
        $script:__plCurrentBlock = $parent
    }
}

function Describe {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Mandatory, Position = 1)] [scriptblock] $Fixture
    )
    Add-PlBlock -Kind 'Describe' -Name $Name -Body $Fixture
}

function Context {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Mandatory, Position = 1)] [scriptblock] $Fixture
    )
    Add-PlBlock -Kind 'Context' -Name $Name -Body $Fixture
}

function BeforeAll {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-PlDiscoveryBlock 'BeforeAll').BeforeAll.Add($Scriptblock)
}

function AfterAll {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-PlDiscoveryBlock 'AfterAll').AfterAll.Add($Scriptblock)
}

function BeforeEach {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-PlDiscoveryBlock 'BeforeEach').BeforeEach.Add($Scriptblock)
}

function AfterEach {
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
    (Get-PlDiscoveryBlock 'AfterEach').AfterEach.Add($Scriptblock)
}

function It {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Mandatory, Position = 1)] [scriptblock] $Test,
        [switch] $Skip,
        [System.Collections.IDictionary[]] $TestCases
    )
    $block = Get-PlDiscoveryBlock 'It'
    # Without -TestCases an It is one test with no case variables.
    $cases = @($null)
    if ($PSBoundParameters.ContainsKey('TestCases')) { $cases = $TestCases }
    foreach ($case in $cases) {
        $block.Items.Add([pscustomobject]@{
            Kind = 'It'
            Name = Expand-PlTestName -Name $Name -Case $case
            Body = $Test
            Skip = [bool] $Skip
            Case = $case
        })
    }
}

# Replaces <key> in a test name with the test case's value, as Pester 5 does.
function Expand-PlTestName {
    param([string] $Name, [System.Collections.IDictionary] $Case)
    if ($null -eq $Case) { return $Name }
    [regex]::Replace($Name, '<([^<>]+)>', {
            param($m)
            $key = $m.Groups[1].Value
            if (-not $Case.Contains($key)) { return $m.Value }
            $value = $Case[$key]
            if ($null -eq $value) { '$null' } else { "$value" }
        })
}

# --- run phase ---------------------------------------------------------------------------------------

function Add-PlResult {
    param([object] $Block, [string] $Name, [string] $Result, [string] $Message, [double] $Milliseconds)
    $fullName = Get-PlFullName -Block $Block -Leaf $Name
    $script:__plResults.Add([pscustomobject]@{ Name = $fullName; Result = $Result; Message = $Message })
    switch ($Result) {
        'Passed' { '[+] {0} ({1} ms)' -f $fullName, [math]::Round($Milliseconds) }
        'Skipped' { '[!] {0} (skipped)' -f $fullName }
        'Failed' {
            '[-] {0} ({1} ms)' -f $fullName, [math]::Round($Milliseconds)
            foreach ($line in $Message -split '\r?\n') { '    ' + $line }
        }
    }
}

# The failure text of an error: the assertion message, or the exception type and message for any other
# error, followed by the script line it came from.
function Format-PlError {
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $message = if ($ErrorRecord.FullyQualifiedErrorId -like "$script:__plAssertionErrorId*") {
        $ErrorRecord.Exception.Message
    }
    else {
        '{0}: {1}' -f $ErrorRecord.Exception.GetType().Name, $ErrorRecord.Exception.Message
    }
    $info = $ErrorRecord.InvocationInfo
    if ($null -ne $info -and $info.ScriptName -and $info.ScriptName -ne $PSCommandPath) {
        return '{0}{1}at {2}, {3}:{4}' -f $message, [Environment]::NewLine, $info.Line.Trim(), $info.ScriptName, $info.ScriptLineNumber
    }
    # Errors raised inside this module (a bad Should argument, say) point at the module; the stack
    # trace's first frame outside it is the test's line.
    $frame = $ErrorRecord.ScriptStackTrace -split '\r?\n' | Where-Object { $_ -and $_ -notlike "*$PSCommandPath*" } | Select-PlFirst
    if ($frame) { return '{0}{1}{2}' -f $message, [Environment]::NewLine, $frame }
    $message
}

# Select-Object -First is not in the engine package.
function Select-PlFirst {
    begin { $done = $false }
    process { if (-not $done) { $done = $true; $_ } }
}

function Get-PlTests {
    param([object] $Block)
    foreach ($item in $Block.Items) {
        if ($item.Kind -eq 'It') { [pscustomobject]@{ Block = $Block; Test = $item } }
        else { Get-PlTests -Block $item }
    }
}

# Reports every test under a block without running it: skipped ones as skipped, the rest as failed with
# the given message (used when the block's BeforeAll failed).
function Set-PlBlockOutcome {
    param([object] $Block, [string] $Message)
    foreach ($entry in Get-PlTests -Block $Block) {
        if ($entry.Test.Skip) { Add-PlResult -Block $entry.Block -Name $entry.Test.Name -Result 'Skipped' }
        else { Add-PlResult -Block $entry.Block -Name $entry.Test.Name -Result 'Failed' -Message $Message }
    }
}

function Invoke-PlBlock {
    param([object] $__plBlock)

    $__plRunnable = @(Get-PlTests -Block $__plBlock | Where-Object { -not $_.Test.Skip })
    if ($__plRunnable.Count -eq 0) {
        # As in Pester 5, a block whose tests are all skipped does not run its setup.
        Set-PlBlockOutcome -Block $__plBlock
        return
    }

    # One TestDrive per top-level block, shared by the blocks nested in it.
    $__plOwnsTestDrive = $__plBlock.Kind -ne 'File' -and $__plBlock.Parent.Kind -eq 'File'
    if ($__plOwnsTestDrive) {
        $TestDrive = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'PesterLite-' + [guid]::NewGuid().ToString('N'))
        $null = [System.IO.Directory]::CreateDirectory($TestDrive)
    }
    try {
        $__plSetupError = $null
        try {
            foreach ($__plSetup in $__plBlock.BeforeAll) { $null = . $__plSetup }
        }
        catch {
            $__plSetupError = $_
        }

        if ($null -ne $__plSetupError) {
            Set-PlBlockOutcome -Block $__plBlock -Message (Format-PlError $__plSetupError)
        }
        else {
            foreach ($__plItem in $__plBlock.Items) {
                if ($__plItem.Kind -eq 'It') { Invoke-PlTest -__plBlock $__plBlock -__plTest $__plItem }
                else { Invoke-PlBlock -__plBlock $__plItem }
            }
        }

        try {
            foreach ($__plTeardown in $__plBlock.AfterAll) { $null = . $__plTeardown }
        }
        catch {
            Add-PlResult -Block $__plBlock -Name 'AfterAll' -Result 'Failed' -Message (Format-PlError $_)
        }
    }
    finally {
        if ($__plOwnsTestDrive -and [System.IO.Directory]::Exists($TestDrive)) {
            [System.IO.Directory]::Delete($TestDrive, $true)
        }
    }
}

# Each test runs in this function's own scope: the BeforeEach blocks (outermost first), the It body
# and the AfterEach blocks (innermost first) share it, and it is gone when the test ends.
function Invoke-PlTest {
    param([object] $__plBlock, [object] $__plTest)

    if ($__plTest.Skip) {
        Add-PlResult -Block $__plBlock -Name $__plTest.Name -Result 'Skipped'
        return
    }

    $__plChain = [System.Collections.Generic.List[object]]::new()
    for ($__plB = $__plBlock; $null -ne $__plB; $__plB = $__plB.Parent) { $__plChain.Insert(0, $__plB) }

    $__plWatch = [System.Diagnostics.Stopwatch]::StartNew()
    $__plError = $null
    try {
        if ($null -ne $__plTest.Case) {
            foreach ($__plKey in $__plTest.Case.Keys) {
                # Set-Variable is not in the engine package; this sets the variable in this scope.
                $ExecutionContext.SessionState.PSVariable.Set($__plKey, $__plTest.Case[$__plKey])
            }
        }
        foreach ($__plB in $__plChain) {
            foreach ($__plSetup in $__plB.BeforeEach) { $null = . $__plSetup }
        }
        $__plBody = $__plTest.Body
        # Bodies with a param block get the case as arguments too (the Pester 4 style Pester 5 keeps).
        if ($null -ne $__plTest.Case -and $null -ne $__plBody.Ast.ParamBlock) {
            $__plCase = $__plTest.Case
            $null = . $__plBody @__plCase
        }
        else {
            $null = . $__plBody
        }
    }
    catch {
        $__plError = $_
    }

    for ($__plI = $__plChain.Count - 1; $__plI -ge 0; $__plI--) {
        foreach ($__plTeardown in $__plChain[$__plI].AfterEach) {
            try {
                $null = . $__plTeardown
            }
            catch {
                if ($null -eq $__plError) { $__plError = $_ }
            }
        }
    }
    $__plWatch.Stop()

    if ($null -eq $__plError) {
        Add-PlResult -Block $__plBlock -Name $__plTest.Name -Result 'Passed' -Milliseconds $__plWatch.Elapsed.TotalMilliseconds
    }
    else {
        Add-PlResult -Block $__plBlock -Name $__plTest.Name -Result 'Failed' -Message (Format-PlError $__plError) -Milliseconds $__plWatch.Elapsed.TotalMilliseconds
    }
}

# Discovery gets its own scope, so what the file defines at top level is not seen at run time.
function Invoke-PlDiscovery {
    param([string] $__plFile, [object] $__plRoot)
    $script:__plCurrentBlock = $__plRoot
    try {
        $null = . $__plFile
    }
    finally {
        $script:__plCurrentBlock = $null
    }
}

function Invoke-PesterLite {
    <#
    .SYNOPSIS
    Runs the *.Tests.ps1 files at Path (a file, or a directory searched recursively) and writes one line
    per test and a summary line; -PassThru also returns the counts and the failures.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Path,
        [switch] $PassThru
    )

    # .NET resolves relative paths against the process directory, PowerShell against its location.
    $fullPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $files = if ([System.IO.Directory]::Exists($fullPath)) {
        $found = [System.IO.Directory]::GetFiles($fullPath, '*.Tests.ps1', [System.IO.SearchOption]::AllDirectories)
        [System.Array]::Sort($found, [System.StringComparer]::Ordinal)
        $found
    }
    elseif ([System.IO.File]::Exists($fullPath)) {
        , $fullPath
    }
    else {
        throw "Invoke-PesterLite: no such file or directory: $fullPath"
    }

    $script:__plResults = [System.Collections.Generic.List[object]]::new()
    foreach ($file in $files) {
        $root = New-PlBlock -Kind 'File' -Name $file -Parent $null
        try {
            Invoke-PlDiscovery -__plFile $file -__plRoot $root
        }
        catch {
            # A file that does not parse, or whose Describe bodies throw, is one failure and runs nothing.
            Add-PlResult -Block $root -Name $file -Result 'Failed' -Message (Format-PlError $_)
            continue
        }
        Invoke-PlBlock -__plBlock $root
    }

    $passed = @($script:__plResults | Where-Object Result -EQ 'Passed').Count
    $failed = @($script:__plResults | Where-Object Result -EQ 'Failed')
    $skipped = @($script:__plResults | Where-Object Result -EQ 'Skipped').Count
    'Tests Passed: {0}, Failed: {1}, Skipped: {2}' -f $passed, $failed.Count, $skipped

    if ($PassThru) {
        [pscustomobject]@{
            PassedCount  = $passed
            FailedCount  = $failed.Count
            SkippedCount = $skipped
            TotalCount   = $passed + $failed.Count + $skipped
            Failed       = @($failed | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Message = $_.Message } })
        }
    }
    $script:__plResults = $null
}

# --- Should ------------------------------------------------------------------------------------------

# Pester's Format-Nicely, reduced: how values appear in failure messages.
function Format-PlValue {
    param([object] $Value)
    if ($null -eq $Value) { return '$null' }
    if ($Value -is [string]) { return "'$Value'" }
    if ($Value -is [bool]) { return '$' + "$Value".ToLowerInvariant() }
    if ($Value -is [type]) { return "[$($Value.FullName)]" }
    if ($Value -is [System.Collections.IDictionary]) {
        $pairs = foreach ($key in $Value.Keys) { '{0}={1}' -f $key, (Format-PlValue $Value[$key]) }
        return '@{' + ($pairs -join '; ') + '}'
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $items = foreach ($item in $Value) { Format-PlValue $item }
        return '@(' + ($items -join ', ') + ')'
    }
    "$Value"
}

function Format-PlBecause {
    param([string] $Because)
    if ($Because) { " because $($Because.TrimEnd('.'))," } else { '' }
}

function Test-PlCollection {
    param([object] $Value)
    $Value -is [System.Collections.IEnumerable] -and $Value -isnot [string] -and $Value -isnot [System.Collections.IDictionary]
}

function Test-PlNullOrEmpty {
    param([object] $Value)
    if ($null -eq $Value) { return $true }
    if ($Value -is [string]) { return $Value.Length -eq 0 }
    if (Test-PlCollection $Value) { return @($Value).Count -eq 0 }
    $false
}

# Pester's ArraysAreEqual: collections compare element by element (recursively); a null or empty value
# equals only another null or empty one; scalars compare with the expected value on the left, so the
# actual value is converted to the expected value's type.
function Test-PlEqual {
    param([object] $Actual, [object] $Expected, [bool] $CaseSensitive)
    $actualItems = @(if (Test-PlCollection $Actual) { $Actual } else { , $Actual })
    $expectedItems = @(if (Test-PlCollection $Expected) { $Expected } else { , $Expected })
    $actualEmpty = $actualItems.Count -eq 0 -or ($actualItems.Count -eq 1 -and $null -eq $actualItems[0])
    $expectedEmpty = $expectedItems.Count -eq 0 -or ($expectedItems.Count -eq 1 -and $null -eq $expectedItems[0])
    if ($actualEmpty -or $expectedEmpty) { return $actualEmpty -and $expectedEmpty }
    if ($actualItems.Count -ne $expectedItems.Count) { return $false }
    for ($i = 0; $i -lt $actualItems.Count; $i++) {
        $a = $actualItems[$i]
        $e = $expectedItems[$i]
        if ((Test-PlCollection $a) -or (Test-PlCollection $e)) {
            if (-not (Test-PlEqual -Actual $a -Expected $e -CaseSensitive $CaseSensitive)) { return $false }
        }
        elseif ($CaseSensitive) {
            if (-not ($e -ceq $a)) { return $false }
        }
        elseif (-not ($e -eq $a)) { return $false }
    }
    $true
}

# The number of items the way Pester counts them: $null is none, a collection its items, else one.
function Get-PlCount {
    param([object] $Value)
    if ($null -eq $Value) { return 0 }
    if (Test-PlCollection $Value) { return @($Value).Count }
    1
}

function Resolve-PlPath {
    param([string] $Path)
    $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

# -Throw: runs the script block and checks the terminating error it throws, if any.
function Test-PlThrow {
    param([object] $Actual, [bool] $Negate, [string] $Because, [string] $ExpectedMessage, [string] $ErrorId, [type] $ExceptionType)
    if ($Actual -isnot [scriptblock]) {
        throw "Should -Throw needs a script block as its input: { ... } | Should -Throw."
    }
    $thrown = $null
    try {
        $null = & $Actual
    }
    catch {
        $thrown = $_
    }
    $why = Format-PlBecause $Because

    if ($Negate) {
        if ($null -eq $thrown) { return $null }
        $where = if ($thrown.InvocationInfo -and $thrown.InvocationInfo.ScriptName) {
            " from $($thrown.InvocationInfo.ScriptName):$($thrown.InvocationInfo.ScriptLineNumber)"
        }
        return "Expected no exception to be thrown,$why but an exception `"$($thrown.Exception.Message)`" was thrown$where."
    }

    $filters = [System.Collections.Generic.List[string]]::new()
    if ($ExceptionType) { $filters.Add("of type $(Format-PlValue $ExceptionType)") }
    if ($ExpectedMessage) { $filters.Add("with message like $(Format-PlValue $ExpectedMessage)") }
    if ($ErrorId) { $filters.Add("with FullyQualifiedErrorId $(Format-PlValue $ErrorId)") }
    $expectation = (@('Expected an exception') + $filters) -join ' '

    if ($null -eq $thrown) { return "$expectation to be thrown,$why but no exception was thrown." }

    $buts = [System.Collections.Generic.List[string]]::new()
    if ($ExceptionType -and $thrown.Exception -isnot $ExceptionType) {
        $buts.Add("the exception type was $(Format-PlValue $thrown.Exception.GetType())")
    }
    if ($ExpectedMessage -and $thrown.Exception.Message -notlike $ExpectedMessage) {
        $buts.Add("the message was $(Format-PlValue $thrown.Exception.Message)")
    }
    if ($ErrorId -and $thrown.FullyQualifiedErrorId -notlike "*$ErrorId*") {
        $buts.Add("the FullyQualifiedErrorId was $(Format-PlValue $thrown.FullyQualifiedErrorId)")
    }
    if ($buts.Count -eq 0) { return $null }
    "$expectation to be thrown,$why but $($buts -join ' and ')."
}

# Evaluates one operator; returns $null when the assertion holds, else the failure message.
function Test-PlAssertion {
    param([string] $Operator, [object] $Actual, [object] $Expected, [bool] $Negate, [string] $Because)
    $why = Format-PlBecause $Because
    $a = Format-PlValue $Actual
    $e = Format-PlValue $Expected

    # Each operator yields whether it holds, and the message for a failure with and without -Not.
    switch ($Operator) {
        'Be' {
            $ok = Test-PlEqual -Actual $Actual -Expected $Expected -CaseSensitive $false
            $fail = "Expected $e,$why but got $a."
            $notFail = "Expected $e to be different from the actual value,$why but got the same value."
        }
        'BeExactly' {
            $ok = Test-PlEqual -Actual $Actual -Expected $Expected -CaseSensitive $true
            $fail = "Expected exactly $e,$why but got $a."
            $notFail = "Expected exactly $e to be different from the actual value,$why but got exactly the same value."
        }
        'BeGreaterThan' {
            $ok = $Actual -gt $Expected
            $fail = "Expected the actual value to be greater than $e,$why but got $a."
            $notFail = "Expected the actual value to be less than or equal to $e,$why but got $a."
        }
        'BeLessThan' {
            $ok = $Actual -lt $Expected
            $fail = "Expected the actual value to be less than $e,$why but got $a."
            $notFail = "Expected the actual value to be greater than or equal to $e,$why but got $a."
        }
        'BeGreaterOrEqual' {
            $ok = $Actual -ge $Expected
            $fail = "Expected the actual value to be greater than or equal to $e,$why but got $a."
            $notFail = "Expected the actual value to be less than $e,$why but got $a."
        }
        'BeLessOrEqual' {
            $ok = $Actual -le $Expected
            $fail = "Expected the actual value to be less than or equal to $e,$why but got $a."
            $notFail = "Expected the actual value to be greater than $e,$why but got $a."
        }
        'BeNullOrEmpty' {
            $ok = Test-PlNullOrEmpty $Actual
            $fail = "Expected `$null or empty,$why but got $a."
            $notFail = "Expected a value,$why but got `$null or empty."
        }
        'BeTrue' {
            $ok = [bool] $Actual
            $fail = "Expected `$true,$why but got $a."
            $notFail = "Expected `$false,$why but got $a."
        }
        'BeFalse' {
            $ok = -not $Actual
            $fail = "Expected `$false,$why but got $a."
            $notFail = "Expected `$true,$why but got $a."
        }
        'Match' {
            $ok = $Actual -match $Expected
            $fail = "Expected regular expression $e to match $a,$why but it did not match."
            $notFail = "Expected regular expression $e to not match $a,$why but it did match."
        }
        'BeLike' {
            $ok = $Actual -like $Expected
            $fail = "Expected like wildcard $e to match $a,$why but it did not match."
            $notFail = "Expected like wildcard $e to not match $a,$why but it did match."
        }
        'Contain' {
            $ok = @($Actual) -contains $Expected
            $fail = "Expected $e to be found in collection $a,$why but it was not found."
            $notFail = "Expected $e to not be found in collection $a,$why but it was found."
        }
        'BeIn' {
            $ok = @($Expected) -contains $Actual
            $fail = "Expected collection $e to contain $a,$why but it was not found."
            $notFail = "Expected collection $e to not contain $a,$why but it was found."
        }
        'HaveCount' {
            $count = Get-PlCount $Actual
            $ok = $count -eq $Expected
            $fail = "Expected a collection with size $Expected,$why but got collection with size $count $a."
            $notFail = "Expected a collection with size different from $Expected,$why but got collection with that size $a."
        }
        'BeOfType' {
            # -BeOfType [int] without parentheses passes the string '[int]'.
            $type = if ($Expected -is [type]) { $Expected } else { [type] "$Expected".Trim('[', ']') }
            $ok = $Actual -is $type
            $actualType = if ($null -eq $Actual) { '$null' } else { Format-PlValue $Actual.GetType() }
            $fail = "Expected the value to have type $(Format-PlValue $type) or any of its subtypes,$why but got $a with type $actualType."
            $notFail = "Expected the value to not have type $(Format-PlValue $type) or any of its subtypes,$why but got $a with type $actualType."
        }
        'Exist' {
            $path = Resolve-PlPath "$Actual"
            $ok = [System.IO.File]::Exists($path) -or [System.IO.Directory]::Exists($path)
            $fail = "Expected path $a to exist,$why but it did not exist."
            $notFail = "Expected path $a to not exist,$why but it did exist."
        }
    }
    if ($Negate) { if ($ok) { $notFail } else { $null } }
    elseif ($ok) { $null }
    else { $fail }
}

$script:__plValueOperators = @(
    'Be', 'BeExactly', 'BeGreaterThan', 'BeLessThan', 'BeGreaterOrEqual', 'BeLessOrEqual',
    'Match', 'BeLike', 'Contain', 'BeIn', 'HaveCount', 'BeOfType'
)
$script:__plSwitchOperators = @('BeNullOrEmpty', 'BeTrue', 'BeFalse', 'Exist', 'Throw')

function Should {
    <#
    .SYNOPSIS
    Pester 5's Should, for the operators PesterLite supports. Piped items are the actual value: one item
    is itself, several are an array, none is an empty array.
    #>
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [object] $ActualValue,
        [switch] $Not,
        [object] $Be,
        [object] $BeExactly,
        [object] $BeGreaterThan,
        [object] $BeLessThan,
        [object] $BeGreaterOrEqual,
        [object] $BeLessOrEqual,
        [object] $Match,
        [object] $BeLike,
        [object] $Contain,
        [object] $BeIn,
        [object] $HaveCount,
        [object] $BeOfType,
        [switch] $BeNullOrEmpty,
        [switch] $BeTrue,
        [switch] $BeFalse,
        [switch] $Exist,
        [switch] $Throw,
        [Parameter(Position = 0)] [string] $ExpectedMessage,
        [string] $ErrorId,
        [type] $ExceptionType,
        [string] $Because
    )
    begin {
        $piped = [System.Collections.Generic.List[object]]::new()
    }
    process {
        if ($MyInvocation.ExpectingInput) { $piped.Add($ActualValue) }
    }
    end {
        $operators = @(($script:__plValueOperators + $script:__plSwitchOperators) | Where-Object { $PSBoundParameters.ContainsKey($_) })
        if ($operators.Count -eq 0) { throw 'Should needs an operator, such as -Be.' }
        if ($operators.Count -gt 1) { throw "Should takes one operator, got: -$($operators -join ', -')." }
        $operator = $operators[0]
        if ($operator -ne 'Throw' -and ($ExpectedMessage -or $ErrorId -or $ExceptionType)) {
            throw '-ExpectedMessage, -ErrorId and -ExceptionType go only with Should -Throw.'
        }

        # Assigned in each branch: an if statement's output would unroll a collection.
        if (-not $MyInvocation.ExpectingInput) { $actual = $ActualValue }
        elseif ($piped.Count -eq 1) { $actual = $piped[0] }
        else { $actual = $piped.ToArray() }

        $failure = if ($operator -eq 'Throw') {
            Test-PlThrow -Actual $actual -Negate $Not -Because $Because -ExpectedMessage $ExpectedMessage -ErrorId $ErrorId -ExceptionType $ExceptionType
        }
        else {
            $expected = $null
            if ($script:__plValueOperators -contains $operator) { $expected = $PSBoundParameters[$operator] }
            Test-PlAssertion -Operator $operator -Actual $actual -Expected $expected -Negate $Not -Because $Because
        }

        if ($null -ne $failure) {
            # Thrown through $PSCmdlet, the error's InvocationInfo is this Should call in the test file.
            $record = [System.Management.Automation.ErrorRecord]::new(
                [System.Exception]::new($failure), $script:__plAssertionErrorId,
                [System.Management.Automation.ErrorCategory]::InvalidResult, $actual)
            $PSCmdlet.ThrowTerminatingError($record)
        }
    }
}

Export-ModuleMember -Function Describe, Context, It, BeforeAll, AfterAll, BeforeEach, AfterEach, Should, Invoke-PesterLite

# Every test here passes or is skipped: 28 passed, 2 skipped. PesterLiteRunnerTests asserts those counts.
BeforeAll {
    . $PSScriptRoot/helper.ps1
    $fileLevel = 'file'
}

Describe 'Operators' {
    It 'Be compares scalars, strings case-insensitively, converting to the expected type' {
        4 | Should -Be 4
        'abc' | Should -Be 'ABC'
        '5' | Should -Be 5
        $null | Should -Be $null
        4 | Should -Not -Be 5
    }
    It 'Be compares piped collections element by element' {
        1, 2, 3 | Should -Be @(1, 2, 3)
        1, 2 | Should -Not -Be @(1, 2, 3)
        @() | Should -Be @()
    }
    It 'BeExactly is case-sensitive' {
        'abc' | Should -BeExactly 'abc'
        'abc' | Should -Not -BeExactly 'ABC'
    }
    It 'orders numbers' {
        5 | Should -BeGreaterThan 4
        4 | Should -BeLessThan 5
        5 | Should -BeGreaterOrEqual 5
        5 | Should -BeLessOrEqual 5
        5 | Should -Not -BeGreaterThan 5
    }
    It 'BeNullOrEmpty takes $null, empty strings and empty collections' {
        $null | Should -BeNullOrEmpty
        @() | Should -BeNullOrEmpty
        '' | Should -BeNullOrEmpty
        'x' | Should -Not -BeNullOrEmpty
        , @(1) | Should -Not -BeNullOrEmpty
    }
    It 'BeTrue and BeFalse' {
        $true | Should -BeTrue
        $false | Should -BeFalse
        $false | Should -Not -BeTrue
    }
    It 'Match uses regular expressions, Like wildcards' {
        'hello world' | Should -Match '^hello\s'
        'hello' | Should -Not -Match '\d'
        'report.csv' | Should -BeLike '*.CSV'
        'report.csv' | Should -Not -BeLike '*.txt'
    }
    It 'Contain and BeIn test membership' {
        1, 2, 3 | Should -Contain 2
        1, 2, 3 | Should -Not -Contain 4
        2 | Should -BeIn @(1, 2, 3)
        4 | Should -Not -BeIn @(1, 2, 3)
    }
    It 'HaveCount counts the piped items' {
        1, 2, 3 | Should -HaveCount 3
        @() | Should -HaveCount 0
        'one' | Should -HaveCount 1
        , @(1, 2) | Should -HaveCount 2
        1, 2 | Should -Not -HaveCount 3
    }
    It 'BeOfType accepts a type or its name' {
        5 | Should -BeOfType ([int])
        'x' | Should -BeOfType [string]
        [System.ArgumentException]::new('x') | Should -BeOfType System.Exception
        5 | Should -Not -BeOfType ([string])
    }
    It 'Throw catches terminating errors and filters them' {
        { throw 'boom' } | Should -Throw
        { throw 'file was not found' } | Should -Throw -ExpectedMessage '*not found'
        { throw 'boom' } | Should -Throw 'boom'
        { throw [System.ArgumentException]::new('bad') } | Should -Throw -ExceptionType ([System.ArgumentException])
        # Write-Error is not in the engine package; a cmdlet-style terminating error has an error id.
        function Stop-Fixture {
            [CmdletBinding()] param()
            $record = [System.Management.Automation.ErrorRecord]::new([System.Exception]::new('nope'), 'Fixture.Id', 'InvalidOperation', $null)
            $PSCmdlet.ThrowTerminatingError($record)
        }
        { Stop-Fixture } | Should -Throw -ErrorId 'Fixture.Id'
        { 1 + 1 } | Should -Not -Throw
    }
    It 'Because does not change a passing assertion' {
        1 | Should -Be 1 -Because 'one is one'
    }
    It 'may be skipped' -Skip {
        throw 'a skipped test must not run'
    }
}

Describe 'TestDrive and Exist' {
    BeforeAll {
        $file = [System.IO.Path]::Combine($TestDrive, 'data.txt')
        [System.IO.File]::WriteAllText($file, 'content')
    }
    It 'gives the Describe a fresh directory' {
        $TestDrive | Should -Exist
        $file | Should -Exist
        [System.IO.Path]::Combine($TestDrive, 'missing.txt') | Should -Not -Exist
    }
    Context 'nested' {
        It 'shares the Describe''s TestDrive' {
            $file | Should -Exist
        }
    }
    AfterAll {
        # Recorded for the next Describe, which checks that the directory was removed.
        $global:PesterLiteFixtureTestDrive = $TestDrive
    }
}

Describe 'TestDrive cleanup' {
    It 'removed the previous Describe''s TestDrive' {
        $global:PesterLiteFixtureTestDrive | Should -Not -BeNullOrEmpty
        $global:PesterLiteFixtureTestDrive | Should -Not -Exist
        $TestDrive | Should -Not -Be $global:PesterLiteFixtureTestDrive
    }
}

Describe 'Scoping' {
    BeforeAll {
        $outer = 'outer'
        $log = [System.Collections.Generic.List[string]]::new()
    }
    BeforeEach {
        $log.Add('before-each outer')
        $perTest = 'fresh'
    }
    AfterEach {
        $log.Add('after-each outer')
    }

    It 'sees the file''s and the Describe''s BeforeAll variables and the helper' {
        $fileLevel | Should -Be 'file'
        $outer | Should -Be 'outer'
        Get-FixtureGreeting 'you' | Should -Be 'Hello, you'
    }
    It 'sets a variable' {
        $perTest | Should -Be 'fresh'
        $leaked = 'set in an It'
        $perTest = 'changed'
    }
    It 'does not see variables set by another It' {
        $leaked | Should -BeNullOrEmpty
        $perTest | Should -Be 'fresh'
    }
    It 'resolves $PSScriptRoot to the test file''s folder' {
        [System.IO.Path]::Combine($PSScriptRoot, 'helper.ps1') | Should -Exist
    }

    Context 'inner' {
        BeforeAll {
            $inner = "$outer-inner"
            $outer = 'shadowed'
        }
        BeforeEach {
            $log.Add('before-each inner')
        }
        AfterEach {
            $log.Add('after-each inner')
        }
        It 'sees the outer BeforeAll variables' {
            $inner | Should -Be 'outer-inner'
            $outer | Should -Be 'shadowed'
        }
        It 'runs BeforeEach outermost first and AfterEach innermost first' {
            $log.Clear()
        }
        It 'ran the previous test''s hooks in Pester''s order' {
            $log[0..3] | Should -Be @('after-each inner', 'after-each outer', 'before-each outer', 'before-each inner')
        }
    }

    Context 'sibling' {
        It 'does not see the inner Context''s variables' {
            $inner | Should -BeNullOrEmpty
            $outer | Should -Be 'outer'
        }
    }

    Context 'all skipped' {
        BeforeAll {
            throw 'BeforeAll of a block whose tests are all skipped must not run'
        }
        It 'is skipped' -Skip { }
    }
}

Describe 'Discovery' {
    $discoveryOnly = 'defined in the Describe body'
    It 'runs the Describe body at discovery only' {
        $discoveryOnly | Should -BeNullOrEmpty
    }
}

Describe 'TestCases' {
    It 'adds <a> and <b>' -TestCases @(
        @{ a = 1; b = 2; sum = 3 }
        @{ a = 2; b = 2; sum = 4 }
    ) {
        $a + $b | Should -Be $sum
    }
    It 'binds a param block too: <text>' -TestCases @(@{ text = 'abc' }) {
        param($text)
        $text | Should -Be 'abc'
    }
}

Describe 'AfterAll' {
    BeforeAll { $state = [System.Collections.Generic.List[string]]::new() }
    It 'runs before AfterAll' { $state.Add('it') }
    AfterAll {
        $state | Should -Be @('it')
    }
}

# Known failures, one per kind of message: 22 failed (20 tests, the AfterAll and the leak check), 2 passed,
# 1 skipped.
# PesterLiteRunnerTests asserts the counts and the messages.
Describe 'Failures' {
    It 'Be' { 4 | Should -Be 5 }
    It 'Be with Because' { 4 | Should -Be 5 -Because 'the answer is five' }
    It 'Not Be' { 5 | Should -Not -Be 5 }
    It 'Be on collections' { 1, 2 | Should -Be @(1, 3) }
    It 'BeExactly' { 'abc' | Should -BeExactly 'ABC' }
    It 'BeGreaterThan' { 3 | Should -BeGreaterThan 4 }
    It 'BeLessOrEqual' { 5 | Should -BeLessOrEqual 4 }
    It 'BeNullOrEmpty' { 'x' | Should -BeNullOrEmpty }
    It 'BeTrue' { $false | Should -BeTrue }
    It 'Match' { 'abc' | Should -Match '^\d+$' }
    It 'BeLike' { 'abc' | Should -BeLike 'x*' }
    It 'Contain' { 1, 2, 3 | Should -Contain 4 }
    It 'HaveCount' { 1, 2 | Should -HaveCount 3 }
    It 'BeOfType' { 'x' | Should -BeOfType ([int]) }
    It 'Exist' { '/no/such/path/pesterlite' | Should -Exist }
    It 'Throw' { { 1 } | Should -Throw }
    It 'Throw with a message filter' { { throw 'actual text' } | Should -Throw -ExpectedMessage 'other*' }
    It 'Not Throw' { { throw 'boom' } | Should -Not -Throw }
    It 'throws an error of its own' { throw 'plain failure' }
    It 'passes' { 1 | Should -Be 1 }
    It 'is skipped' -Skip { 1 | Should -Be 2 }

    Context 'AfterEach' {
        AfterEach { throw 'teardown failed' }
        It 'fails when AfterEach throws' { 1 | Should -Be 1 }
    }

    AfterAll { throw 'AfterAll failed' }
}

Describe 'Leaks' {
    It 'sets a variable' { $leaked = 'yes' }
    It 'would see it if It scopes leaked' { $leaked | Should -Be 'yes' }
}

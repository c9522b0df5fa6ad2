# A BeforeAll that throws fails each test of its block, nested ones included, and nothing else:
# 3 failed, 1 passed, 1 skipped.
Describe 'Setup fails' {
    BeforeAll { throw 'setup exploded' }
    It 'first' { 1 | Should -Be 1 }
    It 'second' { 1 | Should -Be 1 }
    Context 'nested' {
        It 'third' { 1 | Should -Be 1 }
    }
    It 'skipped' -Skip { }
}

Describe 'Unaffected' {
    It 'still runs' { 1 | Should -Be 1 }
}

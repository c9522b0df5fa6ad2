# Does not parse: the file counts as one failure, named by its path.
Describe 'Broken' {
    It 'never runs' { 1 | Should -Be 1
}

// libtorch's thread count and random generator are process-wide, so tests that train must not
// interleave; the whole suite runs one test at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

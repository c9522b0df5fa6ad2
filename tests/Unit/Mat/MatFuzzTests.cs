using System.Buffers.Binary;
using System.Diagnostics;
using DataPipeline.Engine.Mat;
using Xunit;

namespace DataPipeline.Tests.Mat;

/// <summary>
/// Damaged copies of corpus files (bit flips, truncation, length and size fields set huge): every
/// outcome must be a value or a MatFormatException, quickly and without a large allocation.
/// </summary>
public sealed class MatFuzzTests
{
    private const long AllocationBound = 320L << 20;
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("level", 2500)]
    [InlineData("v73", 300)]
    public void MutatedFilesGiveAValueOrACleanError(string kind, int iterations)
    {
        var sources = kind == "v73"
            ? [Path.Combine(MatCorpus.SarusV73, "sarus_like_000.mat"), Path.Combine(MatCorpus.Dev, "testfile6.mat"), Path.Combine(MatCorpus.Dev, "testfile8.mat")]
            : Directory.GetFiles(MatCorpus.Dev, "*.mat").Order(StringComparer.Ordinal)
                .Where(f => !MatCorpus.IsReject(f) && new FileInfo(f).Length is > 0 and < 40_000 && !Path.GetFileName(f).StartsWith("testfile", StringComparison.Ordinal))
                .Append(Path.Combine(MatCorpus.SarusV5, "sarus_like_000.mat"))
                .ToArray();
        var random = new Random(20251122);
        string scratch = Path.Combine(Path.GetTempPath(), $"dp-fuzz-{Guid.NewGuid():N}.mat");
        var failures = new List<string>();
        int values = 0, errors = 0;
        try
        {
            for (int i = 0; i < iterations && failures.Count < 10; i++)
            {
                string source = sources[random.Next(sources.Length)];
                var bytes = File.ReadAllBytes(source);
                string mutation = Mutate(ref bytes, random);
                File.WriteAllBytes(scratch, bytes);

                long before = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                try
                {
                    MatCorpus.ReadAll(scratch);
                    values++;
                }
                catch (MatFormatException e)
                {
                    errors++;
                    if (!e.Message.StartsWith(scratch, StringComparison.Ordinal)) failures.Add($"{mutation} of {source}: message does not name the file: {e.Message}");
                }
                catch (Exception e)
                {
                    failures.Add($"{mutation} of {Path.GetFileName(source)}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (clock.Elapsed > TimeBound) failures.Add($"{mutation} of {Path.GetFileName(source)}: took {clock.Elapsed}");
                if (allocated > AllocationBound) failures.Add($"{mutation} of {Path.GetFileName(source)}: allocated {allocated >> 20} MiB");
            }
        }
        finally
        {
            File.Delete(scratch);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(errors > iterations / 10, $"only {errors} of {iterations} mutations were rejected; the mutations are too gentle");
        Assert.True(values > 0, "no mutation survived; the mutations are too harsh to test lenient reading");
    }

    private static string Mutate(ref byte[] bytes, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                int flips = random.Next(1, 5);
                for (int k = 0; k < flips; k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return $"{flips} bit flips";
            case 1:
                int keep = random.Next(bytes.Length);
                bytes = bytes[..keep];
                return $"truncation to {keep}";
            default:
                // Lengths and sizes are 32-bit fields on 4-byte boundaries after the 128-byte header.
                int at = bytes.Length <= 140 ? 0 : 128 + 4 * random.Next((bytes.Length - 132) / 4);
                uint huge = random.Next(3) switch { 0 => 0x7FFFFFF8u, 1 => 0xFFFFFFFFu, _ => (uint)random.Next(1 << 16, 1 << 30) };
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), huge);
                return $"field at {at} set to {huge}";
        }
    }
}

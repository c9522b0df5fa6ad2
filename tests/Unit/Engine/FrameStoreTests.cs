using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace DataPipeline.Tests.Engine;

public sealed class FrameStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("framestore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<Frame> Simulate(int start, int count, int frames = 1, long seed = 5) =>
        new ScattererSimulator(new SimulationSettings { Size = 16, Frames = frames, SizeRatio = 2, Seed = seed, Scatterers = new IntRange(0, 4) })
            .Generate(start, count).ToList();

    private static string Write(string path, IEnumerable<Frame> frames, bool append = false)
    {
        using var writer = FrameStoreWriter.Create(path, append);
        foreach (var frame in frames) writer.Add(frame);
        writer.Commit();
        return path;
    }

    internal static void AssertSameFrame(Frame expected, Frame actual)
    {
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Channels, actual.Channels);
        Assert.Equal(expected.LabelShape, actual.LabelShape);
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(expected.Label, actual.Label);
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Origin, actual.Origin);
    }

    [Fact]
    public void FramesComeBackIdenticalInOrderAndByPosition()
    {
        // 300 sequences of 3x16x16 span several chunk blocks and end in a partial one.
        var frames = Simulate(0, 300, frames: 3);
        string path = Write(Path.Combine(_dir, "s.h5"), frames);
        using var reader = FrameStoreReader.Open(path);
        Assert.Equal(300, reader.Count);
        Assert.Equal([3, 16, 16], reader.Manifest.FrameShape);
        Assert.Equal([3, 32, 32], reader.Manifest.LabelShape!);
        Assert.True(reader.Manifest.ChunkFrames < 300);
        Assert.StartsWith("sha256:", reader.Manifest.ContentHash);
        var back = reader.ReadAll().ToList();
        Assert.Equal(300, back.Count);
        for (int i = 0; i < frames.Count; i++) AssertSameFrame(frames[i], back[i]);
        // Random access, backwards across blocks.
        AssertSameFrame(frames[299], reader.Read(299));
        AssertSameFrame(frames[3], reader.Read(3));
        Assert.Equal(frames.Skip(120).Take(5).Select(f => f.Index), reader.ReadRange(120, 5).Select(f => f.Index));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(300));
    }

    private static List<Frame> SimulateIq(int start, int count, int frames = 1) =>
        new ScattererSimulator(new SimulationSettings
        {
            Size = 16, Frames = frames, SizeRatio = 2, Seed = 7, Scatterers = new IntRange(1, 4),
            Psf = PsfKind.Ultrasound, Output = SimulationOutput.Iq,
        }).Generate(start, count).ToList();

    [Fact]
    public void IqFramesComeBackWithBothChannelsAndTheStoreHasAChannelAxis()
    {
        // Sequences of 2 steps: a 2-channel frame must not read back as a 2-step sequence or vice versa.
        var frames = SimulateIq(0, 40, frames: 2);
        Assert.All(frames, f => Assert.Equal(2, f.Channels));
        string path = Write(Path.Combine(_dir, "iq.h5"), frames);
        using (var reader = FrameStoreReader.Open(path))
        {
            Assert.Equal(2, reader.Manifest.Channels);
            Assert.Equal([2, 16, 16], reader.Manifest.FrameShape);
            var back = reader.ReadAll().ToList();
            for (int i = 0; i < frames.Count; i++) AssertSameFrame(frames[i], back[i]);
        }
        using (var streamed = StreamedFrameStore.Open(path, cacheBlocks: 2))
        {
            Assert.Equal(2, ((IFrameSource)streamed).Channels);
            AssertSameFrame(frames[17], streamed.Read(17));
        }
        // A one-channel store keeps the layout it had before channels existed.
        using var plain = FrameStoreReader.Open(Write(Path.Combine(_dir, "plain.h5"), Simulate(0, 3)));
        Assert.Equal(1, plain.Manifest.Channels);
        // Stores written before the key existed have no "channels" in their manifest and read as one channel.
        string old = plain.Manifest.ToJson().Replace("\"channels\": 1,", "");
        Assert.DoesNotContain("channels", old);
        Assert.Equal(1, FrameStoreManifest.FromJson(old).Channels);
    }

    [Fact]
    public void FramesOfAnotherChannelCountAreRefusedAndTheStoreIsKept()
    {
        string path = Write(Path.Combine(_dir, "c.h5"), Simulate(0, 5));
        byte[] before = File.ReadAllBytes(path);
        using (var writer = FrameStoreWriter.Create(path, append: true))
        {
            var e = Assert.Throws<FrameStoreException>(() => writer.Add(SimulateIq(0, 1)[0]));
            Assert.Contains("2 channel(s) but the store's frames have 1", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        using var iq = FrameStoreWriter.Create(Path.Combine(_dir, "iq2.h5"));
        iq.Add(SimulateIq(0, 1)[0]);
        var refused = Assert.Throws<FrameStoreException>(() => iq.Add(Simulate(0, 1)[0]));
        Assert.Contains("1 channel(s) but the store's frames have 2", refused.Message);
    }

    [Fact]
    public void AppendAddsAfterTheOldFrames()
    {
        var first = Simulate(0, 40);
        var second = Simulate(0, 25, seed: 6);
        string path = Write(Path.Combine(_dir, "a.h5"), first);
        Write(path, second, append: true);
        using var reader = FrameStoreReader.Open(path);
        var back = reader.ReadAll().ToList();
        Assert.Equal(65, back.Count);
        var expected = first.Concat(second).ToList();
        for (int i = 0; i < expected.Count; i++) AssertSameFrame(expected[i], back[i]);
        Assert.Equal(["synthetic(seed=5)", "synthetic(seed=6)"], reader.Manifest.Sources.Select(s => s.Name));
    }

    [Fact]
    public void FramesOfAnotherShapeAreRefusedAndTheStoreIsKept()
    {
        string path = Write(Path.Combine(_dir, "k.h5"), Simulate(0, 10));
        byte[] before = File.ReadAllBytes(path);
        var other = new ScattererSimulator(new SimulationSettings { Size = 8 }).Render(0);
        using (var writer = FrameStoreWriter.Create(path, append: true))
        {
            var e = Assert.Throws<FrameStoreException>(() => writer.Add(other));
            Assert.Contains("[8, 8]", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AnAbandonedWriteLeavesTheTargetAndNoTemporaryFiles()
    {
        string path = Write(Path.Combine(_dir, "t.h5"), Simulate(0, 10));
        byte[] before = File.ReadAllBytes(path);
        using (var writer = FrameStoreWriter.Create(path))
        {
            foreach (var f in Simulate(10, 20)) writer.Add(f);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void DamagedAndForeignFilesGiveClearErrors()
    {
        string path = Write(Path.Combine(_dir, "d.h5"), Simulate(0, 200));
        // Overwrite the middle of the file, where the compressed frame chunks lie.
        byte[] bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        using (var reader = FrameStoreReader.Open(path))
        {
            var e = Assert.Throws<FrameStoreException>(() => reader.ReadAll().ToList());
            Assert.Contains("damaged", e.Message);
        }

        string text = Path.Combine(_dir, "not.h5");
        File.WriteAllText(text, "hello");
        var foreign = Assert.Throws<FrameStoreException>(() => FrameStoreReader.Open(text));
        Assert.Contains("not a readable DataPipeline frame store", foreign.Message);
        Assert.Throws<FileNotFoundException>(() => FrameStoreReader.Open(Path.Combine(_dir, "missing.h5")));
        using var empty = FrameStoreWriter.Create(Path.Combine(_dir, "empty.h5"));
        Assert.Throws<FrameStoreException>(() => empty.Commit());
    }

    /// <summary>Runs tools/frame_store_check.py (h5py, an independent reader) on a store; returns its JSON summary.</summary>
    private static async Task<string> CheckWithH5py(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(SharedPaths.RepositoryRoot, "tools", "frame_store_check.py"));
        start.ArgumentList.Add(path);
        using var python = Process.Start(start)!;
        var stderr = python.StandardError.ReadToEndAsync();
        string stdout = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.True(python.ExitCode == 0, $"frame_store_check.py failed ({python.ExitCode}); run tools/install-prerequisites.sh for python3-h5py.\n{stdout}\n{await stderr}");
        return stdout;
    }

    [Fact]
    public async Task H5pyReadsAnIqStoreAsNByChannelsByFrame()
    {
        var frames = SimulateIq(0, 5, frames: 3);
        string path = Write(Path.Combine(_dir, "iqpy.h5"), frames);
        using var summary = JsonDocument.Parse(await CheckWithH5py(path));
        var root = summary.RootElement;
        Assert.Equal(2, root.GetProperty("channels").GetInt32());
        Assert.Equal([5, 2, 3, 16, 16], root.GetProperty("data_shape").EnumerateArray().Select(e => e.GetInt32()));
        using var reader = FrameStoreReader.Open(path);
        Assert.Equal(reader.Manifest.ContentHash, root.GetProperty("content_hash").GetString());
        Assert.Equal(frames[0].Data.Sum(v => (double)v), root.GetProperty("first_data_sum").GetDouble(), 4);
    }

    [Fact]
    public async Task H5pyReadsTheStoreAndAgreesOnItsContentHash()
    {
        var frames = Simulate(0, 70, frames: 2);
        string path = Write(Path.Combine(_dir, "py.h5"), frames);
        using var summary = JsonDocument.Parse(await CheckWithH5py(path));
        var root = summary.RootElement;
        using var reader = FrameStoreReader.Open(path);
        Assert.Equal(reader.Manifest.ContentHash, root.GetProperty("content_hash").GetString());
        Assert.Equal([70, 2, 16, 16], root.GetProperty("data_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([70, 2, 32, 32], root.GetProperty("label_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("gzip", root.GetProperty("compression").GetString());
        Assert.Equal(frames[0].Data.Sum(v => (double)v), root.GetProperty("first_data_sum").GetDouble(), 6);
        Assert.Equal(frames[^1].Label!.Max(), root.GetProperty("last_label_max").GetDouble(), 6);
        Assert.Equal(["synthetic(seed=5)"], root.GetProperty("sources").EnumerateArray().Select(e => e.GetString()));
        var firstPositions = root.GetProperty("first_positions").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList();
        Assert.Equal(frames[0].Positions!.Count, firstPositions.Count);
        for (int i = 0; i < firstPositions.Count; i++)
        {
            var p = frames[0].Positions![i];
            Assert.Equal([p.TimeStep, p.Scatterer, p.Row, p.Column, p.InData ? 1 : 0], firstPositions[i]);
        }
    }
}

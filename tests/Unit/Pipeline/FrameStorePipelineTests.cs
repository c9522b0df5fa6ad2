using System.Diagnostics;
using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Simulation;
using DataPipeline.Tests.Engine;
using SkiaSharp;
using Xunit;

namespace DataPipeline.Tests.Pipeline;

/// <summary>Export-FrameDataset, Import-FrameDataset and Export-FramePreview through the real PowerShell engine.</summary>
public sealed class FrameStorePipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dp-store-").FullName;
    private readonly ModuleSession _session;

    public FrameStorePipelineTests() => _session = new ModuleSession(_dir);

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TenThousandFramesStreamThroughTheStoreUnchanged()
    {
        _session.Ok("New-SyntheticFrame -Count 10000 -Size 64 -Seed 3 | Export-FrameDataset -Path big.h5");
        var simulator = new ScattererSimulator(new SimulationSettings { Count = 10000, Size = 64, Seed = 3 });
        int seen = 0;
        // Frames are compared as they arrive and dropped, as a training loop would consume them.
        _session.Stream("Import-FrameDataset big.h5", output =>
        {
            var frame = (Frame)output.BaseObject;
            Assert.Equal(seen, frame.Index);
            FrameStoreTests.AssertSameFrame(simulator.Render(seen), frame);
            seen++;
        });
        Assert.Equal(10000, seen);
    }

    [Fact]
    public async Task AKilledExportLeavesTheTargetUntouched()
    {
        string target = Path.Combine(_dir, "kept.h5");
        _session.Ok($"New-SyntheticFrame -Count 20 -Size 16 -Seed 1 | Export-FrameDataset -Path '{target}'");
        byte[] before = File.ReadAllBytes(target);

        using var export = Pwsh.StartCommand($"New-SyntheticFrame -Count 10000 -Size 64 -Seed 2 | Export-FrameDataset -Path {Pwsh.Quote(target)}");
        var stdout = export.StandardOutput.ReadToEndAsync();
        var stderr = export.StandardError.ReadToEndAsync();
        // Kill it once PureHDF is writing the new store into its temporary file, i.e. midway.
        var clock = Stopwatch.StartNew();
        while (!Directory.GetFiles(_dir, ".kept.h5.*.tmp").Any(f => new FileInfo(f).Length > 0))
        {
            if (export.HasExited)
                Assert.Fail($"the export ended (exit code {export.ExitCode}) before it could be killed: {await stdout} {await stderr}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "the export never started writing its temporary file");
            await Task.Delay(20);
        }
        export.Kill(entireProcessTree: true);
        await export.WaitForExitAsync();

        Assert.Equal(before, File.ReadAllBytes(target));
        using (var reader = FrameStoreReader.Open(target))
            Assert.Equal(20, reader.ReadAll().Count());
        // What the killed export left behind is hidden and cannot pass for a store.
        foreach (string stray in Directory.GetFiles(_dir, ".kept.h5.*"))
            Assert.Throws<FrameStoreException>(() => FrameStoreReader.Open(stray).Dispose());
    }

    [Fact]
    public void IndexRangeAndAppendSelectTheExpectedFrames()
    {
        _session.Ok("New-SyntheticFrame -Count 30 -Size 16 -Frames 2 -Seed 4 | Export-FrameDataset s.h5");
        _session.Ok("New-SyntheticFrame -Count 5 -StartIndex 30 -Size 16 -Frames 2 -Seed 4 | Export-FrameDataset s.h5 -Append");
        var byIndex = _session.Ok("Import-FrameDataset s.h5 -Index 34, 0, 17").Select(o => ((Frame)o.BaseObject).Index);
        Assert.Equal([34, 0, 17], byIndex);
        var range = _session.Ok("Import-FrameDataset s.h5 -Range 10, 14").Select(o => (Frame)o.BaseObject).ToList();
        Assert.Equal([10, 11, 12, 13, 14], range.Select(f => f.Index));
        var expected = new ScattererSimulator(new SimulationSettings { Count = 30, Size = 16, Frames = 2, Seed = 4 }).Render(12);
        FrameStoreTests.AssertSameFrame(expected, range[2]);
        Assert.Equal(35, _session.Ok("(Import-FrameDataset s.h5 | ForEach-Object { 1 }).Count").Single().BaseObject);
    }

    [Fact]
    public void ErrorsNameTheStoreOrTheFrameWithTheirCategory()
    {
        var missing = _session.Run("Import-FrameDataset nope.h5").Error;
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
        Assert.Equal(Path.Combine(_dir, "nope.h5"), missing.TargetObject);

        File.WriteAllText(Path.Combine(_dir, "text.h5"), "not hdf5");
        var foreign = _session.Run("Import-FrameDataset text.h5").Error;
        Assert.Equal(ErrorCategory.InvalidData, foreign.CategoryInfo.Category);
        Assert.StartsWith("FrameStoreUnreadable", foreign.FullyQualifiedErrorId);

        _session.Ok("New-SyntheticFrame -Count 3 -Size 16 | Export-FrameDataset s.h5");
        var outside = _session.Run("Import-FrameDataset s.h5 -Index 1, 3").Error;
        Assert.Equal(ErrorCategory.InvalidArgument, outside.CategoryInfo.Category);
        Assert.Contains("0 to 2", outside.Exception.Message);

        byte[] before = File.ReadAllBytes(Path.Combine(_dir, "s.h5"));
        var mixed = _session.Run("@(New-SyntheticFrame -Count 2 -Size 16) + @(New-SyntheticFrame -Count 1 -Size 8) | Export-FrameDataset s.h5").Error;
        Assert.Equal(ErrorCategory.InvalidArgument, mixed.CategoryInfo.Category);
        Assert.StartsWith("FrameShapeMismatch", mixed.FullyQualifiedErrorId);
        Assert.IsType<Frame>(mixed.TargetObject);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_dir, "s.h5")));
        Assert.Equal(["s.h5", "text.h5"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void PreviewOfSequencesIsAPngWithOneRowPerFrame()
    {
        var file = (FileInfo)_session.Ok("New-SyntheticFrame -Count 6 -Size 32 -Frames 3 -Seed 2 | Export-FramePreview -Path seq.png -Count 4 -PassThru").Single().BaseObject;
        using var image = SKBitmap.Decode(file.FullName);
        // 4 rows (frames) of 3 data + 3 label panels.
        Assert.Equal(6 * DataPipeline.Engine.Reporting.FramePreview.PanelWidth, image.Width);
        Assert.Equal(4 * DataPipeline.Engine.Reporting.FramePreview.PanelHeight, image.Height);
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < image.Height; y += 3)
            for (int x = 0; x < image.Width; x += 3)
                colours.Add(image.GetPixel(x, y));
        Assert.True(colours.Count > 200, $"the preview has only {colours.Count} colours; it looks blank");

        var grid = (FileInfo)_session.Ok("New-SyntheticFrame -Count 5 -Size 16 | Export-FramePreview grid.png -PassThru").Single().BaseObject;
        using var gridImage = SKBitmap.Decode(grid.FullName);
        // 5 static frames: 3 pairs per row, 2 rows.
        Assert.Equal((6 * DataPipeline.Engine.Reporting.FramePreview.PanelWidth, 2 * DataPipeline.Engine.Reporting.FramePreview.PanelHeight), (gridImage.Width, gridImage.Height));

        // Frames that carry a prediction get a third panel: 2 frames side by side, 3 panels each.
        var predicted = (FileInfo)_session.Ok("New-SyntheticFrame -Count 2 -Size 16 | ForEach-Object { $_.WithPrediction($_.Label) } | Export-FramePreview pred.png -PassThru").Single().BaseObject;
        using var predictedImage = SKBitmap.Decode(predicted.FullName);
        Assert.Equal((6 * DataPipeline.Engine.Reporting.FramePreview.PanelWidth, DataPipeline.Engine.Reporting.FramePreview.PanelHeight), (predictedImage.Width, predictedImage.Height));

        var none = _session.Run("@() | Export-FramePreview empty.png").Error;
        Assert.StartsWith("NoFramesToPreview", none.FullyQualifiedErrorId);
    }
}

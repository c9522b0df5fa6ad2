using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>Patch placement (mask, mirrored edges, label maxima, several per frame) and cutting, against hand values.</summary>
public class PatchCutterTests
{
    private static float[] Range(int n, float scale = 1) => Enumerable.Range(0, n).Select(i => i * scale).ToArray();

    [Fact]
    public void MirroredPatchesReflectDataAndLabelPastTheEdges()
    {
        // Data 4x4 = 0..15; label at ratio 2, 8x8 = 0..63.
        var cutter = new PatchCutter([4, 4], 2, 3, mirror: true);
        var data = new float[9];
        var label = new float[36];
        cutter.Cut(Range(16), Range(64), null, -1, -1, data, label);
        Assert.Equal([0f, 0, 1, 0, 0, 1, 4, 4, 5], data);
        // Label rows and columns -2, -1 mirror to 1, 0 (the same edge, at the label's resolution).
        int[] rows = [1, 0, 0, 1, 2, 3];
        Assert.Equal(rows.SelectMany(r => rows.Select(c => (float)(r * 8 + c))), label);
        cutter.Cut(Range(16), Range(64), null, 2, 2, data, label);
        Assert.Equal([10f, 11, 11, 14, 15, 15, 14, 15, 15], data);
        // Inside the frame it is a plain window.
        cutter.Cut(Range(16), Range(64), null, 1, 0, data, label);
        Assert.Equal([4f, 5, 6, 8, 9, 10, 12, 13, 14], data);
    }

    [Fact]
    public void MirroredPatchesListTheMirroredScatterersAndDropTheOutsideOnes()
    {
        var cutter = new PatchCutter([4, 4], 1, 3, mirror: true);
        var positions = new[] { new ScattererPosition(0, 7, 0.2, 3.0, true), new ScattererPosition(0, 8, 3.0, 0.0, true) };
        var moved = cutter.Cut(new float[16], new float[16], positions, -1, 2, new float[9], new float[9])!;
        // Scatterer 7 (u = 0.7, 3.5): itself at patch (1.7, 1.5), its images across row 0 (u -0.7) and column 4 (u 4.5).
        // Scatterer 8 at row 3 is outside rows -1..1 and has no image there.
        Assert.Equal([(1.2, 1.0), (1.2, 2.0), (-0.2, 1.0), (-0.2, 2.0)],
            moved.Select(p => (Math.Round(p.Row, 9), Math.Round(p.Column, 9))));
        Assert.All(moved, p => Assert.Equal(7, p.Scatterer));
        // Without mirroring only the scatterer itself counts.
        var plain = new PatchCutter([4, 4], 1, 3).Cut(new float[16], new float[16], positions, 0, 1, new float[9], new float[9])!;
        Assert.Equal([(0.2, 2.0)], plain.Select(p => (Math.Round(p.Row, 9), Math.Round(p.Column, 9))));
    }

    [Fact]
    public void AMaskDecidesWherePatchCentresLie()
    {
        var mask = new bool[64];
        mask[5 * 8 + 2] = true;
        var cutter = new PatchCutter([8, 8], 1, 3, mask: mask);
        var random = new SeededRandom(3);
        for (int i = 0; i < 10; i++) Assert.Equal((4, 1), cutter.Place(new float[64], random));
        // A corner centre fits only with mirrored edges.
        var corner = new bool[64];
        corner[7] = true;
        Assert.Throws<ArgumentException>(() => new PatchCutter([8, 8], 1, 3, mask: corner));
        Assert.Equal((-1, 6), new PatchCutter([8, 8], 1, 3, mirror: true, mask: corner).Place(new float[64], random));
        Assert.Throws<ArgumentException>(() => new PatchCutter([8, 8], 1, 3, mask: new bool[63]));
        // On the label, only maxima inside the mask are chosen: peaks at (1, 1) and (5, 2); only (5, 2) is allowed.
        var label = new float[64];
        label[1 * 8 + 1] = 1;
        label[5 * 8 + 2] = 0.5f;
        var onLabel = new PatchCutter([8, 8], 1, 3, onLabel: true, mask: mask);
        for (int i = 0; i < 10; i++) Assert.Equal((4, 1), onLabel.Place(label, random));
    }

    [Fact]
    public void PlacesPerFrameAreDistinctAndNoMoreThanThereAre()
    {
        var cutter = new PatchCutter([6, 6], 1, 4);
        // A 4x4 patch fits at 3 x 3 = 9 places of a 6x6 frame.
        var places = cutter.PlaceMany(new float[36], 20, new SeededRandom(1));
        Assert.Equal(9, places.Distinct().Count());
        Assert.Equal(9, places.Count);
        Assert.All(places, p => Assert.InRange(p.Top, 0, 2));
        Assert.Equal(4, cutter.PlaceMany(new float[36], 4, new SeededRandom(1)).Distinct().Count());
        // On the label: one patch per maximum, clamped into the frame.
        var label = new float[36];
        label[0] = 1;
        label[3 * 6 + 4] = 1;
        var onLabel = new PatchCutter([6, 6], 1, 4, onLabel: true).PlaceMany(label, 5, new SeededRandom(2));
        Assert.Equal([(0, 0), (1, 2)], onLabel.OrderBy(p => p.Top));
    }

    [Fact]
    public void PatchesOfAFrameAreFramesThatNameTheirOrigin()
    {
        var frame = new Frame(Range(36), [6, 6], Range(144), [12, 12], "run.h5", 4, [new ScattererPosition(0, 0, 2, 3, true)]);
        var patches = new PatchCutter([6, 6], 2, 4).Patches(frame, 3, new SeededRandom(5)).ToList();
        Assert.Equal(3, patches.Count);
        foreach (var patch in patches)
        {
            Assert.Equal([4, 4], patch.Shape);
            Assert.Equal([8, 8], patch.LabelShape!);
            var corner = System.Text.RegularExpressions.Regex.Match(patch.Source, @"^run\.h5#4@\((\d+),(\d+)\)$");
            Assert.True(corner.Success, patch.Source);
            int top = int.Parse(corner.Groups[1].Value), left = int.Parse(corner.Groups[2].Value);
            Assert.Equal(top * 6 + left, patch.Data[0]);
            Assert.Equal(2 * top * 12 + 2 * left, patch.Label![0]);
            Assert.Equal(new ScattererPosition(0, 0, 2 - top, 3 - left, true), Assert.Single(patch.Positions!));
        }
        var unlabelled = new Frame(Range(36), [6, 6], null, null, "x", 0);
        Assert.Throws<ArgumentException>(() => new PatchCutter([6, 6], 2, 4).Patches(unlabelled, 1, new SeededRandom(5)).ToList());
    }

    [Fact]
    public void GeneratorPatchesWithMirroredEdgesCarryTheMirroredScatterers()
    {
        var random = new SeededRandom(23);
        var frames = Enumerable.Range(0, 16).Select(_ => AugmentGeometryTests.ScatterFrame(random, 24, 6)).ToList();
        var mask = new bool[24 * 24];
        for (int k = 0; k < 24; k++) mask[k * 24] = mask[k * 24 + 23] = true; // centres on the left and right edges only
        var generator = new BatchGenerator(frames, new BatchSettings { BatchSize = 8, ValidationFraction = 0, Seed = 3, PatchSize = 12, PatchMirror = true },
            sampling: new BatchSampling(PatchMask: mask));
        Assert.True(generator.PatchMirror && generator.PatchMasked);
        int mirrored = 0;
        foreach (var batch in generator.GetBatches())
            for (int i = 0; i < batch.Count; i++)
            {
                var label = batch.Label.AsSpan(i * 24 * 24, 24 * 24).ToArray();
                var positions = batch.Positions[i]!;
                var rerendered = new float[24 * 24];
                foreach (var p in positions)
                    GaussianSplat.Draw(rerendered, 0, 24, 24, (p.Row + 0.5) * 2 - 0.5, (p.Column + 0.5) * 2 - 0.5, 2.0, 1.0, PsfCombine.Max);
                AugmentGeometryTests.AssertSamePeaks(label, rerendered, 24, positions, 2);
                mirrored += positions.GroupBy(p => p.Scatterer).Count(g => g.Count() > 1);
            }
        Assert.True(mirrored > 0, "no patch showed a mirrored scatterer");
        Assert.Throws<ArgumentException>(() => new BatchGenerator(frames, new BatchSettings { PatchMirror = true }));
    }
}

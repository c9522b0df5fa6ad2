using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Physics;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Physics;

public class VesselNetworkTests
{
    [Fact]
    public void EveryBranchFollowsMurraysLaw()
    {
        int branches = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var network = VesselNetwork.Grow(3, 64, 4.0, new SeededRandom(seed));
            Assert.NotEmpty(network.Paths);
            foreach (var path in network.Paths)
            {
                Assert.Equal(4.0, path.Radii[0]);
                for (int i = 1; i < path.Radii.Length; i++)
                {
                    if (path.Radii[i] == path.Radii[i - 1]) continue;
                    // A parent splitting into two equal daughters: r³ = r1³ + r2³.
                    Assert.Equal(Math.Pow(path.Radii[i - 1], 3), 2 * Math.Pow(path.Radii[i], 3), 9);
                    branches++;
                }
            }
        }
        Assert.True(branches > 10, $"only {branches} bifurcations in 20 networks");
    }

    [Fact]
    public void TheFlowIsLaminar()
    {
        // A straight vessel of radius 2 along the columns: Poiseuille's v = v_max (1 - (d/r)²), by hand.
        var path = new VesselPath([(10.0, 0.0), (10.0, 50.0)], [2.0]);
        Assert.Equal(3.0, path.LaminarSpeed(5, 0, 3.0, 2.0), 12);
        Assert.Equal(2.25, path.LaminarSpeed(5, 0.5, 3.0, 2.0), 12);
        Assert.Equal(0.0, path.LaminarSpeed(5, 1, 3.0, 2.0), 12);
        // A daughter of radius 2·2^(-1/3) carries its centre line at v_root·2^(-1/3).
        var daughter = new VesselPath([(0.0, 0.0), (0.0, 10.0), (0.0, 20.0)], [2.0, 2.0 * Math.Pow(2, -1.0 / 3)]);
        Assert.Equal(3.0 * Math.Pow(2, -1.0 / 3), daughter.LaminarSpeed(15, 0, 3.0, 2.0), 12);
        // Half a radius off the centre line, to the left of the flow (+x flow: smaller row).
        var (row, column) = path.At(20, 1.0);
        Assert.Equal(9.0, row, 12);
        Assert.Equal(20.0, column, 12);
    }

    [Fact]
    public void BubblesFlowThroughTheFieldEnteringAndLeaving()
    {
        var s = new SimulationSettings
        {
            Psf = PsfKind.Ultrasound, Motion = ScattererMotion.Vessels, Size = 64, Frames = 24, Scatterers = new(40, 40),
            VelocityPx = new(2, 2), RemovalProbability = 0, NoiseStd = 0, Seed = 8, VesselRadiusPx = 0.25,
        };
        var frame = new ScattererSimulator(s).Render(0);
        var tracks = frame.Positions!.GroupBy(p => p.Scatterer).Select(g => g.OrderBy(p => p.TimeStep).ToList()).ToList();
        Assert.True(tracks.Count > 10);
        double fastest = 0;
        foreach (var track in tracks)
            for (int i = 1; i < track.Count; i++)
            {
                if (track[i].TimeStep != track[i - 1].TimeStep + 1) continue;
                double step = Math.Sqrt(Math.Pow(track[i].Row - track[i - 1].Row, 2) + Math.Pow(track[i].Column - track[i - 1].Column, 2));
                fastest = Math.Max(fastest, step);
            }
        // No bubble outruns the root's centre line (2 px per step; thin vessels, so that the offset from the
        // centre line swinging round a 15° bend adds at most 2·0.25·sin(7.5°) = 0.07 px), and they do move.
        Assert.InRange(fastest, 0.5, 2.0 + 0.07);
        // Some bubbles are in the field only for part of the sequence: they enter or leave.
        Assert.Contains(tracks, t => t.Count < s.Frames);
    }
}

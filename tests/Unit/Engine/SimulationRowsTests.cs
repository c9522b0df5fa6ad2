using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Simulation;
using Xunit;

namespace DataPipeline.Tests.Engine;

/// <summary>The GaussianMu ring PSF and the evaluation set's scatterer range (issue 17, data_pipeline's rows).</summary>
public class SimulationRowsTests
{
    private static SimulationSettings Parse(string simulation) => ConfigLoader.Parse("[simulation]\n" + simulation, "test.toml").Simulation;

    [Fact]
    public void TheRingPeaksAtItsRadiusByHand()
    {
        var image = new float[33 * 33];
        RingSplat.Draw(image, 0, 33, 33, 16, 16, radius: 5, sigma: 1, amplitude: 2, PsfCombine.Max);
        Assert.Equal(2.0, image[16 * 33 + 21], 6);                       // ρ = 5: on the ring
        Assert.Equal(2.0, image[19 * 33 + 20], 6);                       // ρ = √(9 + 16) = 5
        Assert.Equal(2 * Math.Exp(-2), image[16 * 33 + 19], 6);          // ρ = 3: (3 - 5)² / 2
        Assert.Equal(2 * Math.Exp(-12.5), image[16 * 33 + 16], 9);       // the centre: 25 / 2
        Assert.Equal(0f, image[0]);                                      // beyond μ + 4σ
    }

    [Fact]
    public void GaussianMuFramesHoldARingAroundEachScattererAndAGaussianLabel()
    {
        var s = Parse("psf = \"gaussian_mu\"\npsf_mu_px = 4.0\npsf_sigma_px = 1.0\nscatterers = [1, 1]\nnoise_std = 0.0\nremoval_probability = 0.0\nsize = 32\nsize_ratio = 1\nlabel_psf_sigma_px = 1.0\nseed = 2");
        var frame = new ScattererSimulator(s).Render(0);
        var p = Assert.Single(frame.Positions!);
        for (int r = 0; r < 32; r++)
        for (int c = 0; c < 32; c++)
        {
            double rho = Math.Sqrt((r - p.Row) * (r - p.Row) + (c - p.Column) * (c - p.Column));
            // Drawn within the square window of μ + 4σ = 8 px around the scatterer.
            bool inWindow = r >= Math.Floor(p.Row - 8) && r <= Math.Ceiling(p.Row + 8) && c >= Math.Floor(p.Column - 8) && c <= Math.Ceiling(p.Column + 8);
            double ring = inWindow ? Math.Exp(-(rho - 4) * (rho - 4) / 2) : 0;
            Assert.Equal(ring, frame.Data[r * 32 + c], 5);
            double label = rho <= 4 ? Math.Exp(-rho * rho / 2) : frame.Label![r * 32 + c]; // the label: a Gaussian (σ 1) at the scatterer
            Assert.Equal(label, frame.Label![r * 32 + c], 5);
        }
    }

    [Fact]
    public void GaussianMuAtRadiusZeroIsTheGaussian()
    {
        const string common = "scatterers = [3, 3]\nnoise_std = 0.0\nseed = 5\n";
        var gaussian = new ScattererSimulator(Parse(common)).Render(1);
        var ring = new ScattererSimulator(Parse(common + "psf = \"gaussian_mu\"\npsf_mu_px = 0.0")).Render(1);
        for (int i = 0; i < gaussian.Data.Length; i++) Assert.Equal(gaussian.Data[i], ring.Data[i], 5);
    }

    [Fact]
    public void TheEvaluationSetDrawsItsOwnScattererCountsAndFrames()
    {
        var s = Parse("scatterers = [1, 2]\neval_scatterers = [7, 9]\nseed = 11\nsize = 32");
        var training = new ScattererSimulator(s).Generate(0, 40).ToList();
        var evaluation = ScattererSimulator.ForEvaluation(s).Generate(0, 40).ToList();
        int Count(DataPipeline.Engine.Frames.Frame f) => f.Positions!.Select(p => p.Scatterer).Distinct().Count();
        // Positions list only in-frame scatterers, and every static scatterer starts in the frame.
        Assert.All(training, f => Assert.InRange(Count(f), 1, 2));
        Assert.All(evaluation, f => Assert.InRange(Count(f), 7, 9));
        Assert.Equal([7, 8, 9], evaluation.Select(Count).Distinct().Order());
        // Its own stream: not the training frames with more scatterers.
        Assert.NotEqual(training[0].Positions![0].Row, evaluation[0].Positions![0].Row);
        // The origin records what made the frame, so it re-renders exactly.
        var origin = ConfigLoader.Parse(evaluation[5].Origin!.Configuration!, "origin").Simulation;
        Assert.Equal(new IntRange(7, 9), origin.Scatterers);
        Assert.Equal(ScattererSimulator.EvaluationSeed(11), origin.Seed);
        Assert.Equal(evaluation[5].Data, new ScattererSimulator(origin).Render(5).Data);
        // Without eval_scatterers, the evaluation set uses scatterers, still from its own stream.
        var plain = ScattererSimulator.ForEvaluation(Parse("scatterers = [1, 2]\nseed = 11\nsize = 32")).Generate(0, 10).ToList();
        Assert.All(plain, f => Assert.InRange(Count(f), 1, 2));
    }

    [Fact]
    public void EvalScatterersIsUnsetByDefaultAndCheckedLikeScatterers()
    {
        Assert.Null(new SimulationSettings().EvalScatterers);
        Assert.Contains("# eval_scatterers = [5, 10]", ConfigTemplate.Write(new PipelineConfig()));
        var e = Assert.Throws<ConfigException>(() => Parse("eval_scatterers = [9, 3]"));
        Assert.Equal("simulation.eval_scatterers", e.Key);
        var again = ConfigLoader.Parse(ConfigTemplate.Write(new PipelineConfig { Simulation = Parse("eval_scatterers = [4, 6]") }), "again").Simulation;
        Assert.Equal(new IntRange(4, 6), again.EvalScatterers);
    }
}

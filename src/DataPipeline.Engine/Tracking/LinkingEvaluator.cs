using DataPipeline.Engine.Evaluation;

namespace DataPipeline.Engine.Tracking;

/// <summary>
/// Scores estimated tracks against true ones, sequence by sequence. Points are matched one-to-one
/// within the tolerance at each step (as localisations are scored). Links: a true link counts as
/// recovered when both its points matched points of one estimated track; an estimated link is
/// correct when both its points matched points of one true track (so a link that closes a gap
/// over a missed detection is correct). Tracks: paired one-to-one by the Hungarian method on
/// Chenouard's gated distance, the sum over the steps of either track of the point distance capped
/// at the tolerance (the cap where only one track has a point), with a dummy partner for every true
/// track whose distance is the cap times its length.
/// </summary>
public sealed class LinkingEvaluator
{
    private readonly double _tolerance;
    private readonly List<SequenceLinking> _sequences = [];

    public LinkingEvaluator(double tolerancePx)
    {
        if (!(tolerancePx > 0) || double.IsInfinity(tolerancePx))
            throw new ArgumentException($"The tolerance must be a finite number of pixels above 0; got {tolerancePx}.", nameof(tolerancePx));
        _tolerance = tolerancePx;
    }

    public SequenceLinking Add(string source, int index, IReadOnlyList<Track> truth, IReadOnlyList<Track> estimate)
    {
        var (trueOwner, estimatedOwner) = MatchPoints(truth, estimate);
        int trueLinks = 0, recovered = 0, estimatedLinks = 0, correct = 0;
        foreach (var track in truth)
        {
            for (int i = 1; i < track.Length; i++)
            {
                trueLinks++;
                var a = trueOwner.GetValueOrDefault((track.Id, track.Points[i - 1].Step), -1);
                var b = trueOwner.GetValueOrDefault((track.Id, track.Points[i].Step), -1);
                if (a >= 0 && a == b) recovered++;
            }
        }
        foreach (var track in estimate)
        {
            for (int i = 1; i < track.Length; i++)
            {
                estimatedLinks++;
                var a = estimatedOwner.GetValueOrDefault((track.Id, track.Points[i - 1].Step), -1);
                var b = estimatedOwner.GetValueOrDefault((track.Id, track.Points[i].Step), -1);
                if (a >= 0 && a == b) correct++;
            }
        }
        var (paired, pairedDistance, spuriousDistance) = PairTracks(truth, estimate);
        double dummy = truth.Sum(t => t.Length) * _tolerance;
        var sequence = new SequenceLinking(source, index, new LinkingCounts(trueLinks, estimatedLinks, recovered, correct,
            truth.Count, estimate.Count, paired, pairedDistance, dummy, spuriousDistance));
        _sequences.Add(sequence);
        return sequence;
    }

    public TrackingResult Result() => new(_tolerance, _sequences.ToList());

    // For each true point (track id, step), the estimated track its match belongs to, and the
    // other way round. Ids index the lists: a track's Id is its position in its list.
    private (Dictionary<(int, int), int> TrueOwner, Dictionary<(int, int), int> EstimatedOwner) MatchPoints(
        IReadOnlyList<Track> truth, IReadOnlyList<Track> estimate)
    {
        var trueOwner = new Dictionary<(int, int), int>();
        var estimatedOwner = new Dictionary<(int, int), int>();
        var trueByStep = PointsByStep(truth);
        var estimatedByStep = PointsByStep(estimate);
        foreach (var (step, truths) in trueByStep)
        {
            if (!estimatedByStep.TryGetValue(step, out var estimates)) continue;
            var matches = PositionMatcher.Match(estimates.ConvertAll(e => e.Point), truths.ConvertAll(t => t.Point), _tolerance);
            foreach (var m in matches)
            {
                int trueTrack = truths[m.Truth].Track, estimatedTrack = estimates[m.Detection].Track;
                trueOwner[(trueTrack, step)] = estimatedTrack;
                estimatedOwner[(estimatedTrack, step)] = trueTrack;
            }
        }
        return (trueOwner, estimatedOwner);
    }

    private static SortedDictionary<int, List<(int Track, PointPx Point)>> PointsByStep(IReadOnlyList<Track> tracks)
    {
        var byStep = new SortedDictionary<int, List<(int, PointPx)>>();
        for (int k = 0; k < tracks.Count; k++)
        {
            if (tracks[k].Id != k) throw new ArgumentException($"Track {tracks[k]} is at position {k} of its list; tracks must be numbered 0, 1, ... in order.");
            foreach (var p in tracks[k].Points)
            {
                if (!byStep.TryGetValue(p.Step, out var list)) byStep[p.Step] = list = [];
                list.Add((k, new PointPx(p.Row, p.Column)));
            }
        }
        return byStep;
    }

    private (int Paired, double Distance, double SpuriousDistance) PairTracks(IReadOnlyList<Track> truth, IReadOnlyList<Track> estimate)
    {
        int n = truth.Count, m = estimate.Count;
        if (n == 0) return (0, 0, estimate.Sum(t => t.Length) * _tolerance);
        // Columns: the estimated tracks, then one dummy per true track.
        var cost = new double[n, m + n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++) cost[i, j] = GatedDistance(truth[i], estimate[j]);
            for (int k = 0; k < n; k++) cost[i, m + k] = truth[i].Length * _tolerance;
        }
        int[] assignment = AssignmentSolver.Solve(cost);
        int paired = 0;
        double distance = 0;
        var used = new bool[m];
        for (int i = 0; i < n; i++)
        {
            distance += cost[i, assignment[i]];
            if (assignment[i] >= m) continue;
            paired++;
            used[assignment[i]] = true;
        }
        double spurious = Enumerable.Range(0, m).Where(j => !used[j]).Sum(j => estimate[j].Length * _tolerance);
        return (paired, distance, spurious);
    }

    private double GatedDistance(Track a, Track b)
    {
        var bySteps = b.Points.ToDictionary(p => p.Step);
        double distance = 0;
        int shared = 0;
        foreach (var p in a.Points)
        {
            if (bySteps.TryGetValue(p.Step, out var q))
            {
                shared++;
                distance += Math.Min(Math.Sqrt(new PointPx(p.Row, p.Column).SquaredDistanceTo(new PointPx(q.Row, q.Column))), _tolerance);
            }
            else
            {
                distance += _tolerance;
            }
        }
        return distance + (b.Length - shared) * _tolerance;
    }
}

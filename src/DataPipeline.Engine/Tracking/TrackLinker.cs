using DataPipeline.Engine.Evaluation;

namespace DataPipeline.Engine.Tracking;

/// <summary>
/// Links the localisations of one sequence into tracks, step by step as PALA's tracker does: the
/// points of each new step are assigned to the open tracks by the Hungarian method on squared
/// distances, at most one point per track, only within reach, with the most links and then the
/// smallest total cost. A track last seen k steps ago may reach k times the maximum linking
/// distance (a scatterer keeps moving while it is missed), and closes once it has missed more than
/// MaxGapSteps steps. Points no track takes start tracks of their own. Memory grows with the points
/// of the sequence, never with other sequences.
/// </summary>
public sealed class TrackLinker
{
    private readonly TrackingSettings _settings;
    private readonly List<List<(int Step, double Row, double Column)>> _tracks = [];
    private readonly List<int> _open = [];
    private int _lastStep = int.MinValue;

    public TrackLinker(TrackingSettings settings)
    {
        settings.Validate();
        _settings = settings;
    }

    /// <summary>Adds the localisations of <paramref name="step"/>; steps must increase.</summary>
    public void AddStep(int step, IReadOnlyList<PointPx> points)
    {
        if (step <= _lastStep) throw new ArgumentException($"Steps must increase; step {step} follows {_lastStep}.", nameof(step));
        _lastStep = step;
        _open.RemoveAll(t => step - _tracks[t][^1].Step > _settings.MaxGapSteps + 1);

        var taken = new bool[points.Count];
        if (_open.Count > 0 && points.Count > 0)
        {
            foreach (var (track, point) in Assign(step, points).ToList())
            {
                var p = points[point];
                _tracks[track].Add((step, p.Row, p.Column));
                taken[point] = true;
            }
        }
        for (int i = 0; i < points.Count; i++)
        {
            if (taken[i]) continue;
            _open.Add(_tracks.Count);
            _tracks.Add([(step, points[i].Row, points[i].Column)]);
        }
    }

    /// <summary>The tracks of at least MinLength points, numbered from 0 in order of first appearance.</summary>
    public List<Track> Tracks(string source, int index, int? height = null, int? width = null)
    {
        var tracks = new List<Track>();
        foreach (var positions in _tracks)
        {
            if (positions.Count >= _settings.MinLength)
                tracks.Add(Track.FromPositions(tracks.Count, source, index, positions, height, width));
        }
        return tracks;
    }

    private IEnumerable<(int Track, int Point)> Assign(int step, IReadOnlyList<PointPx> points)
    {
        // The solver wants rows ≤ columns: put the smaller side on the rows.
        bool trackRows = _open.Count <= points.Count;
        int rows = trackRows ? _open.Count : points.Count, columns = trackRows ? points.Count : _open.Count;
        var cost = new double[rows, columns];
        var allowed = new bool[rows, columns];
        double largest = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                var (track, point) = trackRows ? (_open[r], c) : (_open[c], r);
                var end = _tracks[track][^1];
                double reach = _settings.MaxLinkingDistancePx * (step - end.Step);
                double squared = points[point].SquaredDistanceTo(new PointPx(end.Row, end.Column));
                cost[r, c] = squared;
                allowed[r, c] = squared <= reach * reach;
                if (allowed[r, c]) largest = Math.Max(largest, squared);
            }
        }
        // A link out of reach costs more than any full set of allowed links, so the solver first
        // makes as many allowed links as it can, then the cheapest such set.
        double forbidden = rows * largest + 1;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                if (!allowed[r, c]) cost[r, c] = forbidden;

        int[] assignment = AssignmentSolver.Solve(cost);
        for (int r = 0; r < rows; r++)
        {
            if (!allowed[r, assignment[r]]) continue;
            yield return trackRows ? (_open[r], assignment[r]) : (_open[assignment[r]], r);
        }
    }
}

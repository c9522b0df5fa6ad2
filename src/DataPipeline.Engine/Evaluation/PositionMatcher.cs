namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// One-to-one matching of detections to true positions: a pair may match only when their Euclidean
/// distance is within the tolerance, each detection and each truth is used at most once, and among
/// the matchings with the most pairs the one with the smallest sum of squared distances is chosen
/// (so the RMSE reported is the best any one-to-one matching gives). The original matched a
/// detection when either coordinate alone equalled a scatterer's; this never looks at one coordinate.
/// </summary>
public static class PositionMatcher
{
    /// <summary>
    /// Largest detections x truths block solved at once (32 MB of costs, seconds of work). Pairs
    /// within tolerance split the problem into independent clusters, so real frames stay far below
    /// it; only a map that puts thousands of detections within tolerance of each other reaches it.
    /// </summary>
    public const long MaxClusterPairs = 4_000_000;

    public static List<MatchedPair> Match(IReadOnlyList<PointPx> detections, IReadOnlyList<PointPx> truths, double tolerancePx)
    {
        if (!(tolerancePx >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerancePx), tolerancePx, "The tolerance must be 0 or more pixels.");
        double limit = tolerancePx * tolerancePx;
        int d = detections.Count;

        // Detections are nodes 0..d-1 and truths d..d+t-1; a pair within tolerance joins their clusters.
        var clusters = new DisjointSets(d + truths.Count);
        var candidates = new List<(int Detection, int Truth)>();
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < truths.Count; j++)
            {
                if (detections[i].SquaredDistanceTo(truths[j]) > limit) continue;
                candidates.Add((i, j));
                clusters.Union(i, d + j);
            }
        }

        var matches = new List<MatchedPair>();
        foreach (var cluster in candidates.GroupBy(p => clusters.Find(p.Detection)))
        {
            int[] clusterDetections = cluster.Select(p => p.Detection).Distinct().ToArray();
            int[] clusterTruths = cluster.Select(p => p.Truth).Distinct().ToArray();
            if ((long)clusterDetections.Length * clusterTruths.Length > MaxClusterPairs)
                throw new InvalidOperationException(
                    $"{clusterDetections.Length} detections and {clusterTruths.Length} true positions lie within {tolerancePx} px of each other, " +
                    "too many to match optimally; raise the threshold or lower tolerance_px.");
            matches.AddRange(SolveCluster(detections, truths, clusterDetections, clusterTruths, limit));
        }
        matches.Sort((a, b) => a.Detection.CompareTo(b.Detection));
        return matches;
    }

    private static IEnumerable<MatchedPair> SolveCluster(IReadOnlyList<PointPx> detections, IReadOnlyList<PointPx> truths,
        int[] clusterDetections, int[] clusterTruths, double limit)
    {
        // The solver wants rows ≤ columns; put the smaller side on the rows.
        bool detectionRows = clusterDetections.Length <= clusterTruths.Length;
        int[] rows = detectionRows ? clusterDetections : clusterTruths;
        int[] columns = detectionRows ? clusterTruths : clusterDetections;
        // A pair beyond tolerance costs more than any full set of allowed pairs, so the solver
        // first maximises the number of allowed pairs, then minimises their squared distances.
        double forbidden = rows.Length * limit + 1;
        var cost = new double[rows.Length, columns.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                var (detection, truth) = detectionRows ? (rows[r], columns[c]) : (columns[c], rows[r]);
                double squared = detections[detection].SquaredDistanceTo(truths[truth]);
                cost[r, c] = squared <= limit ? squared : forbidden;
            }
        }
        int[] assignment = AssignmentSolver.Solve(cost);
        for (int r = 0; r < rows.Length; r++)
        {
            if (cost[r, assignment[r]] > limit) continue; // a row left without an allowed partner
            var (detection, truth) = detectionRows ? (rows[r], columns[assignment[r]]) : (columns[assignment[r]], rows[r]);
            yield return new MatchedPair(detection, truth, Math.Sqrt(cost[r, assignment[r]]));
        }
    }

    /// <summary>Union-find with path halving, to split the matching into independent clusters.</summary>
    private sealed class DisjointSets
    {
        private readonly int[] _parent;

        public DisjointSets(int count) => _parent = Enumerable.Range(0, count).ToArray();

        public int Find(int node)
        {
            while (_parent[node] != node)
            {
                _parent[node] = _parent[_parent[node]];
                node = _parent[node];
            }
            return node;
        }

        public void Union(int a, int b) => _parent[Find(a)] = Find(b);
    }
}

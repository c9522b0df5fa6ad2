using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.Engine.Batching;

/// <summary>
/// Which frames an epoch visits, and in what order: the validation split (by seed or as given),
/// and each epoch's training order, every frame once (shuffled or not) or drawn with replacement,
/// weighted when the frames carry weights. Over a chunked source the order is shuffled window by
/// window of chunks, so workers stay within the few chunks they have cached.
/// </summary>
internal sealed class EpochSampler
{
    private readonly IFrameSource _source;
    private readonly int[] _training;
    private readonly int[] _validation;
    private readonly double[]? _cumulative; // running sums of the training frames' weights, when weighted
    private readonly bool _shuffle;
    private readonly int _shuffleWindow;
    private readonly long _seed;

    /// <param name="sampling">Explicit splits and per-frame weights; null = split by ValidationFraction, uniform weights.</param>
    public EpochSampler(IFrameSource source, BatchSettings settings, BatchSampling? sampling)
    {
        _source = source;
        _shuffle = settings.Shuffle;
        _shuffleWindow = settings.ShuffleWindow;
        _seed = settings.Seed;
        (_training, _validation) = sampling?.TrainingIndex is null && sampling?.ValidationIndex is null
            ? Split(source.Count, settings.ValidationFraction, settings.Seed)
            : ExplicitSplit(source.Count, sampling.TrainingIndex, sampling.ValidationIndex);
        if (_training.Length == 0)
            throw new ArgumentException("No training frames: the validation set holds every frame.");
        if (sampling?.Weights is double[] weights)
        {
            if (weights.Length != source.Count)
                throw new ArgumentException($"{weights.Length} weights for {source.Count} frames; give one weight per frame.", nameof(sampling));
            if (weights.Any(w => !double.IsFinite(w) || w < 0))
                throw new ArgumentException("Frame weights must be finite and not negative.", nameof(sampling));
            _cumulative = new double[_training.Length];
            double sum = 0;
            for (int i = 0; i < _training.Length; i++) _cumulative[i] = sum += weights[_training[i]];
            if (!(sum > 0)) throw new ArgumentException("The training frames' weights are all zero; at least one must be positive.", nameof(sampling));
        }
        Replacement = settings.Replacement || _cumulative is not null;
    }

    /// <summary>Each epoch draws TrainingCount frames with replacement instead of visiting every training frame once.</summary>
    public bool Replacement { get; }

    /// <summary>True when frames carry sampling weights (sampling is then with replacement).</summary>
    public bool Weighted => _cumulative is not null;

    public int TrainingCount => _training.Length;
    public int ValidationCount => _validation.Length;

    /// <summary>Frame positions of a split in the order epoch <paramref name="epoch"/> visits them.</summary>
    public int[] EpochOrder(BatchSplit split, int epoch)
    {
        if (split == BatchSplit.Validation) return (int[])_validation.Clone();
        var random = new SeededRandom(_seed, 1 + (long)epoch);
        if (Replacement)
        {
            var drawn = Draw(random);
            return _source.IsChunked ? WindowShuffle(drawn, random) : drawn;
        }
        var order = (int[])_training.Clone();
        if (!_shuffle) return order;
        if (!_source.IsChunked)
        {
            random.Shuffle(order);
            return order;
        }
        return WindowShuffle(order, random);
    }

    /// <summary>TrainingCount draws with replacement, each frame with probability proportional to its weight (uniform without weights).</summary>
    private int[] Draw(SeededRandom random)
    {
        var drawn = new int[_training.Length];
        for (int k = 0; k < drawn.Length; k++)
        {
            if (_cumulative is null)
            {
                drawn[k] = _training[random.NextInt(0, _training.Length - 1)];
                continue;
            }
            double u = random.NextDouble() * _cumulative[^1];
            // The first running sum above u; zero-weight frames (equal sums) are never chosen.
            int at = Array.BinarySearch(_cumulative, u);
            at = at >= 0 ? at + 1 : ~at;
            while (at < _cumulative.Length - 1 && _cumulative[at] <= u) at++;
            drawn[k] = _training[Math.Min(at, _cumulative.Length - 1)];
        }
        return drawn;
    }

    /// <summary>
    /// Chunks in a random order, then the frames of each run of ShuffleWindow chunks shuffled among
    /// themselves: what offline sequencers do so that random access never thrashes a small chunk
    /// cache. Every frame still comes exactly once.
    /// </summary>
    private int[] WindowShuffle(int[] training, SeededRandom random)
    {
        var chunks = new List<List<int>>();
        var byChunk = new Dictionary<long, List<int>>();
        foreach (int index in training)
        {
            long chunk = _source.ChunkOf(index);
            if (!byChunk.TryGetValue(chunk, out var members))
            {
                byChunk[chunk] = members = [];
                chunks.Add(members);
            }
            members.Add(index);
        }
        var chunkOrder = chunks.ToArray();
        random.Shuffle(chunkOrder);
        var order = new int[training.Length];
        int filled = 0;
        for (int first = 0; first < chunkOrder.Length; first += _shuffleWindow)
        {
            int windowStart = filled;
            for (int c = first; c < Math.Min(first + _shuffleWindow, chunkOrder.Length); c++)
                foreach (int index in chunkOrder[c]) order[filled++] = index;
            random.Shuffle(order.AsSpan(windowStart, filled - windowStart));
        }
        return order;
    }

    /// <summary>Index lists as given; a list left out is every frame not in the other.</summary>
    private static (int[] Training, int[] Validation) ExplicitSplit(int count, int[]? training, int[]? validation)
    {
        foreach (var (name, list) in new[] { ("TrainingIndex", training), ("ValidationIndex", validation) })
        {
            if (list is null) continue;
            if (list.Any(i => i < 0 || i >= count))
                throw new ArgumentException($"{name} holds {list.First(i => i < 0 || i >= count)}, but the frames are numbered 0 to {count - 1}.");
            if (list.Distinct().Count() != list.Length)
                throw new ArgumentException($"{name} names frame {list.GroupBy(i => i).First(g => g.Count() > 1).Key} more than once.");
        }
        var train = training ?? Enumerable.Range(0, count).Except(validation!).ToArray();
        var held = validation ?? Enumerable.Range(0, count).Except(training!).ToArray();
        var both = train.Intersect(held).ToArray();
        if (both.Length > 0)
            throw new ArgumentException($"Frame {both[0]} is in both TrainingIndex and ValidationIndex; a frame can be in one split only.");
        var sortedTrain = train.Order().ToArray();
        var sortedHeld = held.Order().ToArray();
        return (sortedTrain, sortedHeld);
    }

    private static (int[] Training, int[] Validation) Split(int count, double fraction, long seed)
    {
        int validation = (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero);
        if (fraction > 0 && count >= 2) validation = Math.Clamp(validation, 1, count - 1);
        if (validation == 0) return (Enumerable.Range(0, count).ToArray(), []);
        var permutation = Enumerable.Range(0, count).ToArray();
        new SeededRandom(seed, 0).Shuffle(permutation);
        var held = permutation[..validation];
        var kept = permutation[validation..];
        Array.Sort(held);
        Array.Sort(kept);
        return (kept, held);
    }
}

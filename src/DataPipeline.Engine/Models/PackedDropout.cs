using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

/// <summary>
/// Dropout (in place, scaled by 1 / keep probability while training, the identity in eval mode)
/// whose CPU mask takes four elements from each 64-bit word of libtorch's generator. Why by hand:
/// libtorch's CPU dropout draws its Bernoulli mask element by element on one thread (bernoulli_,
/// about 10 ns an element here), which cost the lab's network 170-250 ms of its 1,980-2,060 ms
/// training step on 2 cores (bench unet2d-seed: 1,800-1,810 ms with dropout 0). One random_ word per four elements,
/// split into 16-bit lanes by shifts and compared on both cores, takes a third of the time (bench
/// dropout, one layer of that network forward and backward: 26 ms against 86), and the step 1,900 ms.
/// The draws still come from libtorch's CPU generator, so
/// <see cref="Training.RunRandom"/>'s seeding, checkpointed state and side-by-side runs hold as
/// before. The keep probability is a whole number of 65,536ths (dropout 0.3 keeps 45,875 of
/// 65,536, p = 0.299998) and the scale is its exact inverse, so the expected activation is
/// unchanged. On CUDA libtorch's fused dropout is already fast and runs as is.
/// </summary>
internal sealed class PackedDropout : Module<Tensor, Tensor>
{
    private const int LaneBits = 16;
    private const long Lanes = 64 / LaneBits;
    private const long LaneValues = 1L << LaneBits;

    // random_ takes its bounds as doubles: [-2^63, the largest double below 2^63) is every 64-bit
    // word but the top 1,024; random64 % range gives the bottom 1,024 their odds instead, which
    // moves 2^-54 of the probability: nothing a 16-bit lane can show.
    private const double WordFrom = -9.223372036854775808e18;
    private const double WordTo = 9.2233720368547748e18;

    public PackedDropout(double p) : base("Dropout")
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "A dropout probability lies in [0, 1).");
        this.p = p;
    }

    /// <summary>The drop probability; a dropout schedule sets it between epochs.</summary>
    public double p { get; set; }

    /// <summary>Of every 65,536 lane values, how many keep their element: (1 - p) rounded, at least 1.</summary>
    public static long KeptLaneValues(double p) => Math.Clamp((long)Math.Round((1 - p) * LaneValues), 1, LaneValues);

    public override Tensor forward(Tensor x)
    {
        if (!training || p == 0) return x;
        if (x.device_type != DeviceType.CPU) return nn.functional.dropout(x, p, training: true, inplace: true);
        long kept = KeptLaneValues(p);
        if (kept == LaneValues) return x;
        using var scale = ((double)LaneValues / kept).ToScalar();
        // Multiplying by the bool mask is a vectorised pass forward and back (masked_fill_ ran two
        // to three times slower, a scalar loop both ways), and the mask autograd keeps for the
        // backward pass (its own reference) is a quarter of the float noise libtorch's dropout keeps.
        using var keep = KeepMask(x, kept);
        return x.mul_(keep).mul_(scale);
    }

    /// <summary>
    /// True where an element is kept, laid out as x is: a lane's 16 bits, shifted to the top of its
    /// word and read as a signed number, below the threshold that leaves
    /// <paramref name="kept"/> of the 65,536 values under it.
    /// </summary>
    private static Tensor KeepMask(Tensor x, long kept)
    {
        long n = x.numel();
        // One buffer of words, shifted in place lane by lane (no shifted copy per lane), and freed as
        // soon as the mask exists (17 MB at the lab network's first level).
        using var words = empty((n + Lanes - 1) / Lanes, ScalarType.Int64);
        words.random_(WordFrom, WordTo);
        using var threshold = ((kept - LaneValues / 2) << (64 - LaneBits)).ToScalar();
        using var laneShift = tensor((long)LaneBits);
        var lanes = new Tensor[Lanes];
        try
        {
            for (int lane = 0; lane < Lanes; lane++)
            {
                if (lane > 0) words.bitwise_left_shift_(laneShift);
                lanes[lane] = words.lt(threshold);
            }
            using var stacked = stack(lanes, 1);
            using var flat = stacked.view(-1);
            using var mask = flat.narrow(0, 0, n);
            // Laid out as x is, so the product runs as one flat loop: a channels-last x takes the
            // mask with its own strides; any other (contiguous, or a strided view) in row-major order.
            return ChannelsLast.Is(x) ? mask.as_strided(x.shape, x.stride(), 0) : mask.view(x.shape);
        }
        finally
        {
            foreach (var lane in lanes) lane?.Dispose();
        }
    }
}

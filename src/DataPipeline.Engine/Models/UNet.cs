using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

#pragma warning disable IDE1006 // module names follow UNET.md: enc, mid, dec, head_up, out

/// <summary>
/// The U-Net of shared/bench/UNET.md in 2-D ([N, C, H, W]) or 3-D ([N, C, T, H, W]; C = in_channels), with every
/// [model] option. Unlike the lab's original Keras model, each decoder level really merges the
/// encoder's skip tensor into what the next level reads. A 3-D U-Net with a temporal head
/// ([model] temporal_head) outputs one 2-D map [N, 1, H·r, W·r] per sequence.
/// </summary>
public sealed class UNet : Module<Tensor, Tensor>
{
    private readonly ModuleList<EncoderLevel> enc;
    private readonly ResBlock mid;
    private readonly ModuleList<DecoderLevel> dec;
    private readonly Module<Tensor, Tensor>? head_up;
    private readonly Module<Tensor, Tensor>? head_shuffle;
    private readonly Module<Tensor, Tensor>? head_time;
    private readonly Module<Tensor, Tensor> @out;
    private readonly SkipMerge _skip;
    private readonly bool _sigmoid;

    /// <param name="settings">The [model] section.</param>
    /// <param name="sizeRatio">The super-resolution factor r (settings.SizeRatio resolved against the data).</param>
    /// <param name="timeSteps">T of the sequences the model reads; needed only by temporal_head = conv (0: unknown).</param>
    /// <param name="layout">How activations are laid out on the CPU; channels-last unless an A/B comparison asks otherwise.</param>
    public UNet(ModelSettings settings, int sizeRatio, int timeSteps = 0, MemoryLayout layout = MemoryLayout.ChannelsLast) : base("UNet")
    {
        if (sizeRatio < 1) throw new ArgumentOutOfRangeException(nameof(sizeRatio), "The size ratio must be at least 1.");
        UNetParameterFormula.CheckTemporalHead(settings, timeSteps);
        Settings = settings;
        SizeRatio = sizeRatio;
        TimeSteps = settings.TemporalHead == TemporalHead.Conv ? timeSteps : 0;
        Layout = layout;
        // Every layer but the in_channels input and 1-channel output is a multiple of the first level's width.
        TorchRuntime.PrepareConvolutions(settings.Filters, blockedLayouts: layout == MemoryLayout.Contiguous);
        var layers = new UNetLayers(settings, layout);
        CheckUpSampling(settings, layers.UpScale);
        int depth = settings.Depth;
        long F = settings.Filters;
        long Width(int level) => F << level;
        // Channels after the merge at level i: the Up's output, plus the skip tensor's with concat.
        long Merged(int level) => layers.UpWidth(Width(level)) + (settings.Skip == SkipMerge.Concat ? Width(level) : 0);

        enc = new ModuleList<EncoderLevel>();
        for (int i = 0; i < depth; i++)
            enc.Add(new EncoderLevel(layers, i == 0 ? settings.InChannels : Width(i - 1), Width(i)));
        mid = new ResBlock(layers, Width(depth - 1), Width(depth), dropout: !settings.DropoutEncoderOnly, allowShortcut: false);
        dec = new ModuleList<DecoderLevel>();
        for (int i = depth - 1; i >= 0; i--)
            dec.Add(new DecoderLevel(layers, i == depth - 1 ? Width(depth) : Merged(i + 1), Width(i)));

        long c = Merged(0);
        if (sizeRatio > 1)
        {
            head_up = layers.Conv1(c, F * sizeRatio * sizeRatio);
            // Per time step in 3-D: the head never scales T.
            head_shuffle = layers.Shuffle(sizeRatio, 1);
            c = F;
        }
        if (settings.TemporalHead != TemporalHead.None)
            head_time = new TemporalReduction(settings.TemporalHead, c, timeSteps);
        @out = layers.Conv1(c, 1);
        _skip = settings.Skip;
        _sigmoid = settings.OutputActivation == OutputActivation.Sigmoid;
        RegisterComponents();
        Initialize(settings.Initializer);
    }

    /// <summary>
    /// The shuffle-first up-samplings divide a level's width by s (4, or 8 with temporal scaling),
    /// so every width must be a multiple of s; and the bare shuffle's c / s channels cannot be
    /// added to the skip tensor's c.
    /// </summary>
    private static void CheckUpSampling(ModelSettings settings, int s)
    {
        if (settings.UpSampling is not (UpSampling.SimpleSubpixel or UpSampling.ShuffleConv)) return;
        string name = ConfigEnum.NameOf(settings.UpSampling);
        if (settings.Filters % s != 0)
            throw new ConfigException(
                $"'model.up_sampling' = \"{name}\" shuffles {s} channels into one cell, so 'model.filters' must be a multiple of {s} (it is {settings.Filters}); " +
                "set filters to a multiple, or use up_sampling = \"subpixel\"", null, key: "model.filters", value: settings.Filters.ToString());
        if (settings.UpSampling == UpSampling.SimpleSubpixel && settings.Skip == SkipMerge.Add)
            throw new ConfigException(
                $"'model.up_sampling' = \"simple_subpixel\" leaves 1/{s} of a level's channels, which cannot be added to the skip tensor; " +
                "set 'model.skip' = \"concat\" or \"none\", or use up_sampling = \"shuffle_conv\"", null, key: "model.skip", value: "add");
    }

    public ModelSettings Settings { get; }
    public int SizeRatio { get; }
    public MemoryLayout Layout { get; }

    /// <summary>The T a temporal_head = conv model is built for; 0 when the model reads any T.</summary>
    public int TimeSteps { get; }

    /// <summary>True when the model reduces a sequence to one 2-D map.</summary>
    public bool ReducesTime => head_time is not null;

    /// <summary>Trainable parameter count (BatchNorm running statistics excluded).</summary>
    public long TrainableParameters => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Every parameter and buffer (BatchNorm running statistics and counters included).</summary>
    public long TotalParameters => parameters().Sum(p => p.numel()) +
        named_buffers().Where(b => b.buffer.dtype != ScalarType.Int64).Sum(b => b.buffer.numel());

    /// <summary>The leaf modules with their parameter counts, in registration order: the model summary.</summary>
    public IReadOnlyList<UNetLayer> LayerTable() =>
        named_modules()
            .Where(m => !m.module.children().Any())
            .Select(m => new UNetLayer(m.name, TypeName(m.module), m.module.parameters().Sum(p => p.numel())))
            .ToList();

    /// <summary>A layer is listed as the PyTorch layer it computes (a 1x1 Conv2d/Conv3d, Dropout), whichever way it runs.</summary>
    private static string TypeName(Module module) => module switch
    {
        PointwiseConv pointwise => pointwise.Dims == 3 ? "Conv3d" : "Conv2d",
        PackedDropout => "Dropout",
        _ => module.GetType().Name,
    };

    /// <summary>Checks that frames of <paramref name="channels"/> channels fit the network's input ([model] in_channels).</summary>
    public void CheckChannels(int channels)
    {
        if (channels != Settings.InChannels)
            throw new ArgumentException(
                $"The model takes {Settings.InChannels} input channel(s) ([model] in_channels = {Settings.InChannels}) but the frames have {channels}; " +
                $"set in_channels = {channels}" + (channels == 2 ? " for IQ frames (simulation.output = \"iq\")." : "."));
    }

    /// <summary>Checks that an input of this shape (without N and C) fits the network.</summary>
    public void CheckInputShape(IReadOnlyList<int> frameShape)
    {
        int dims = Settings.Dims;
        if (frameShape.Count != dims)
            throw new ArgumentException(
                $"The model is {dims}-D ([model] dims = {dims}) but frames are [{string.Join("x", frameShape)}]; " +
                (frameShape.Count == 3 ? "set dims = 3 for sequences." : "set dims = 2 for static frames."));
        int multiple = 1 << Settings.Depth;
        int h = frameShape[^2], w = frameShape[^1];
        if (h % multiple != 0 || w % multiple != 0)
            throw new ArgumentException(
                $"Frames of {h}x{w} do not fit a U-Net of depth {Settings.Depth}: H and W must be multiples of {multiple}.");
        if (dims == 3 && Settings.TemporalDownscaling && frameShape[0] % multiple != 0)
            throw new ArgumentException(
                $"With temporal_downscaling, T ({frameShape[0]}) must be a multiple of {multiple}.");
        if (TimeSteps > 0 && frameShape[0] != TimeSteps)
            throw new ArgumentException(
                $"The model's temporal_head = conv spans T = {TimeSteps} steps, but the sequences have {frameShape[0]}; predict sequences of {TimeSteps} steps, or use temporal_head = mean or max.");
    }

    public override Tensor forward(Tensor x)
    {
        // On the CPU, where the layout is chosen; on a GPU the input stays as given.
        if (Layout == MemoryLayout.ChannelsLast && x.device_type == DeviceType.CPU) x = ChannelsLast.Of(x);
        var skips = new Tensor[enc.Count];
        for (int i = 0; i < enc.Count; i++)
            (skips[i], x) = enc[i].call(x);
        x = mid.call(x);
        for (int j = 0; j < dec.Count; j++)
        {
            var up = dec[j].call(x);
            var skip = skips[enc.Count - 1 - j];
            x = _skip switch
            {
                SkipMerge.Add => up.add_(skip, Scalars.One),
                SkipMerge.Concat => cat([up, skip], 1),
                _ => up,
            };
        }
        if (head_up is not null) x = head_shuffle!.call(head_up.call(x));
        if (head_time is not null) x = head_time.call(x);
        x = @out.call(x);
        if (head_time is not null) x = x.squeeze(2);
        return _sigmoid ? x.sigmoid() : x;
    }

    private void Initialize(Initializer initializer)
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            if (module is not Convolution conv) continue;
            switch (initializer)
            {
                case Initializer.GlorotUniform:
                    init.xavier_uniform_(conv.weight!);
                    break;
                case Initializer.HeNormal:
                    init.kaiming_normal_(conv.weight!, 0, init.FanInOut.FanIn, init.NonlinearityType.ReLU);
                    break;
                case Initializer.Orthogonal:
                    init.orthogonal_(conv.weight!);
                    break;
            }
            if (conv.bias is not null) init.zeros_(conv.bias);
        }
    }
}

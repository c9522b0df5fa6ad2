using DataPipeline.Engine.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DataPipeline.Engine.Models;

// Field names are the module names of UNET.md / peer_unet.py (enc.0.block.conv_a, ...), so state
// dictionaries and layer tables read the same on both sides.
#pragma warning disable IDE1006

/// <summary>Pre-activation residual block: BN, act, conv k, BN, act, conv k, identity shortcut, dropout.</summary>
internal sealed class ResBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor>? bn_a;
    private readonly Module<Tensor, Tensor> act_a;
    private readonly Module<Tensor, Tensor> conv_a;
    private readonly Module<Tensor, Tensor>? bn_b;
    private readonly Module<Tensor, Tensor> act_b;
    private readonly Module<Tensor, Tensor> conv_b;
    private readonly Module<Tensor, Tensor>? drop;
    private readonly bool _shortcut;
    private readonly bool _dropoutBetweenConvs;

    public ResBlock(UNetLayers layers, long cin, long cout, bool dropout, bool allowShortcut = true) : base(nameof(ResBlock))
    {
        bn_a = layers.BatchNorm(cin);
        // In place only after a BN: without one, the activation's input is the block input,
        // which the shortcut and the skip connection still read.
        act_a = layers.Activation(inplace: bn_a is not null);
        conv_a = layers.ConvK(cin, cout);
        bn_b = layers.BatchNorm(cout);
        act_b = layers.Activation(inplace: bn_b is not null);
        conv_b = layers.ConvK(cout, cout);
        drop = layers.Dropout(dropout);
        _shortcut = allowShortcut && layers.Settings.Shortcut && cin == cout;
        _dropoutBetweenConvs = layers.Settings.DropoutWrn;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = conv_a.call(act_a.call(bn_a is null ? x : bn_a.call(x)));
        if (drop is not null && _dropoutBetweenConvs) h = drop.call(h);
        h = conv_b.call(act_b.call(bn_b is null ? h : bn_b.call(h)));
        if (_shortcut) h = h.add_(x, Scalars.One);
        if (drop is not null && !_dropoutBetweenConvs) h = drop.call(h);
        return h;
    }
}

/// <summary>Halves the scaled axes: conv k then pooling, or one strided conv.</summary>
internal sealed class Down : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor>? pool;

    public Down(UNetLayers layers, long c) : base(nameof(Down))
    {
        switch (layers.Settings.DownSampling)
        {
            case DownSampling.Stride:
                conv = layers.StridedConv(c);
                break;
            default:
                conv = layers.ConvK(c, c);
                pool = layers.Pool(max: layers.Settings.DownSampling == DownSampling.MaxPool);
                break;
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => pool is null ? conv.call(x) : pool.call(conv.call(x));
}

/// <summary>
/// Doubles the scaled axes: sub-pixel conv then shuffle, transposed conv, nearest then conv k, the
/// bare shuffle (c / s channels out), or the shuffle then conv1 back to c.
/// </summary>
internal sealed class Up : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor>? conv;
    private readonly Module<Tensor, Tensor>? before;
    private readonly Module<Tensor, Tensor>? after;

    public Up(UNetLayers layers, long c) : base(nameof(Up))
    {
        int st = layers.TemporalScale, s = layers.UpScale;
        switch (layers.Settings.UpSampling)
        {
            case UpSampling.Subpixel:
                conv = layers.Conv1(c, s * c);
                after = layers.Shuffle(2, st);
                break;
            case UpSampling.SimpleSubpixel:
                before = layers.Shuffle(2, st);
                break;
            case UpSampling.ShuffleConv:
                before = layers.Shuffle(2, st);
                conv = layers.Conv1(c / s, c);
                break;
            case UpSampling.Transpose:
                conv = layers.TransposedConv(c);
                break;
            default:
                before = layers.Nearest();
                conv = layers.ConvK(c, c);
                break;
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = before is null ? x : before.call(x);
        if (conv is not null) h = conv.call(h);
        return after is null ? h : after.call(h);
    }
}

/// <summary>One encoder level: conv1 to the level's width, residual block, then Down.</summary>
internal sealed class EncoderLevel : Module<Tensor, (Tensor Skip, Tensor Down)>
{
    private readonly Module<Tensor, Tensor> entry;
    private readonly ResBlock block;
    private readonly Down down;

    public EncoderLevel(UNetLayers layers, long cin, long c) : base(nameof(EncoderLevel))
    {
        entry = layers.Conv1(cin, c);
        block = new ResBlock(layers, c, c, dropout: true);
        down = new Down(layers, c);
        RegisterComponents();
    }

    public override (Tensor Skip, Tensor Down) forward(Tensor x)
    {
        var skip = block.call(entry.call(x));
        return (skip, down.call(skip));
    }
}

/// <summary>One decoder level: conv1 to the level's width, residual block, then Up.</summary>
internal sealed class DecoderLevel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> entry;
    private readonly ResBlock block;
    private readonly Up up;

    public DecoderLevel(UNetLayers layers, long cin, long c) : base(nameof(DecoderLevel))
    {
        entry = layers.Conv1(cin, c);
        block = new ResBlock(layers, c, c, dropout: !layers.Settings.DropoutEncoderOnly);
        up = new Up(layers, c);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => up.call(block.call(entry.call(x)));
}

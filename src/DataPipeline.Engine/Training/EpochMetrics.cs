using DataPipeline.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DataPipeline.Engine.Training;

/// <summary>
/// Sums over one epoch of one split, from which loss, MSE, Dice, precision and recall are taken.
/// Counts are summed over the whole epoch before dividing, so a short last batch weighs what it
/// holds (the original's precision was about 1 because it averaged a constant).
/// </summary>
internal sealed class EpochMetrics
{
    private double _lossSum, _squaredErrorSum, _overlap, _predictedSum, _labelSum, _truePositives, _falsePositives, _falseNegatives;
    private long _samples, _elements;

    /// <summary>Adds one batch. <paramref name="probability"/> is the prediction in [0, 1].</summary>
    public void Add(double batchLoss, Tensor probability, Tensor target, double threshold)
    {
        using var scope = NewDisposeScope();
        // Owned and alive across the comparisons: an implicit Scalar could be freed mid-call.
        using var thresholdScalar = threshold.ToScalar();
        using var _ = no_grad();
        var p = probability.detach().to(ScalarType.Float64);
        var t = target.to(ScalarType.Float64);
        var predicted = p.ge(thresholdScalar);
        var positive = t.ge(thresholdScalar);
        var sums = stack(new[]
        {
            (p - t).pow(Scalars.Two).sum(),
            (p * t).sum(),
            p.sum(),
            t.sum(),
            (predicted & positive).sum().to(ScalarType.Float64),
            (predicted & positive.logical_not()).sum().to(ScalarType.Float64),
            (predicted.logical_not() & positive).sum().to(ScalarType.Float64),
        }).cpu();
        var values = sums.data<double>().ToArray();
        long n = probability.shape[0];
        _lossSum += batchLoss * n;
        _samples += n;
        _elements += probability.numel();
        _squaredErrorSum += values[0];
        _overlap += values[1];
        _predictedSum += values[2];
        _labelSum += values[3];
        _truePositives += values[4];
        _falsePositives += values[5];
        _falseNegatives += values[6];
    }

    public bool IsEmpty => _samples == 0;
    public double Loss => _samples == 0 ? double.NaN : _lossSum / _samples;
    public double Mse => _elements == 0 ? double.NaN : _squaredErrorSum / _elements;

    /// <summary>Soft Dice, 2·Σpt / (Σp + Σt); 1 when both are empty.</summary>
    public double Dice => _predictedSum + _labelSum == 0 ? 1 : 2 * _overlap / (_predictedSum + _labelSum);

    /// <summary>Pixel precision at the threshold; 0 when nothing was predicted.</summary>
    public double Precision => _truePositives + _falsePositives == 0 ? 0 : _truePositives / (_truePositives + _falsePositives);

    /// <summary>Pixel recall at the threshold; 0 when the labels hold no positive pixel.</summary>
    public double Recall => _truePositives + _falseNegatives == 0 ? 0 : _truePositives / (_truePositives + _falseNegatives);
}

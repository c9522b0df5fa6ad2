using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Mat;

/// <summary>
/// Frames as MATLAB variables for writing back: `data`, `label` and `prediction` stacked along the
/// last MATLAB dimension (H x W x N, or H x W x T x N for sequences), `source` and `index` per frame, and
/// `positions`, a 1 x N cell of K x 5 matrices [time, scatterer, row, column, in_data] (1-based
/// time and scatterer, pixel coordinates as in the frame) when positions are known. IQ frames
/// (2 channels) give a complex single `data`, MATLAB's own form of IQ: real part channel 0, imaginary channel 1.
/// </summary>
public static class FrameMatConverter
{
    public static IReadOnlyList<MatVariable> ToVariables(IReadOnlyList<Frame> frames)
    {
        if (frames.Count == 0) throw new ArgumentException("No frames to write.", nameof(frames));
        var shape = frames[0].Shape;
        if (frames.Any(f => !f.Shape.SequenceEqual(shape)))
            throw new ArgumentException("Frames of different shapes cannot be stacked into one array.", nameof(frames));
        int channels = frames[0].Channels;
        if (frames.Any(f => f.Channels != channels))
            throw new ArgumentException("Frames of different channel counts (IQ and one-channel) cannot be stacked into one array; export them to separate files.", nameof(frames));
        if (channels > 2)
            throw new ArgumentException($"Frames of {channels} channels have no MATLAB form; MAT export takes one-channel frames or IQ (2 channels, written as complex).", nameof(frames));
        var variables = new List<MatVariable> { channels == 1 ? Stack("data", frames.Select(f => f.Data).ToList(), shape) : StackIq(frames, shape) };
        if (frames.All(f => f.Label is not null))
        {
            var labelShape = frames[0].LabelShape!;
            if (frames.Any(f => !f.LabelShape!.SequenceEqual(labelShape)))
                throw new ArgumentException("Labels of different shapes cannot be stacked into one array.", nameof(frames));
            variables.Add(Stack("label", frames.Select(f => f.Label!).ToList(), labelShape));
        }
        if (frames.Any(f => f.Prediction is not null))
        {
            var predictionShape = frames.First(f => f.Prediction is not null).PredictionShape!;
            if (frames.Any(f => f.Prediction is not null && !f.PredictionShape!.SequenceEqual(predictionShape)))
                throw new ArgumentException("Predictions of different shapes cannot be stacked into one array.", nameof(frames));
            // A frame the model has not seen gets NaN, MATLAB's missing value, so its slot in the
            // stack stays aligned with data, source and index instead of the frame being dropped.
            float[]? missing = null;
            var predictions = frames.Select(f => f.Prediction ?? (missing ??= NaNs(predictionShape))).ToList();
            variables.Add(Stack("prediction", predictions, predictionShape));
        }
        variables.Add(MatVariable.Cell("source", [1, frames.Count], frames.Select(f => MatVariable.Char(null, f.Source)).ToList()));
        variables.Add(MatVariable.Doubles("index", frames.Select(f => (double)f.Index).ToArray(), 1, frames.Count));
        if (frames.Any(f => f.Positions is not null))
        {
            var cells = frames.Select(f =>
            {
                var p = f.Positions ?? [];
                var values = new double[p.Count * 5];
                for (int k = 0; k < p.Count; k++)
                {
                    values[k] = p[k].TimeStep + 1;
                    values[k + p.Count] = p[k].Scatterer + 1;
                    values[k + 2 * p.Count] = p[k].Row;
                    values[k + 3 * p.Count] = p[k].Column;
                    values[k + 4 * p.Count] = p[k].InData ? 1 : 0;
                }
                return MatVariable.Doubles(null, values, p.Count, 5);
            }).ToList();
            variables.Add(MatVariable.Cell("positions", [1, frames.Count], cells));
        }
        return variables;
    }

    private static float[] NaNs(int[] shape)
    {
        var values = new float[shape.Aggregate(1L, (n, d) => n * d)];
        Array.Fill(values, float.NaN);
        return values;
    }

    /// <summary>IQ frames (channel 0 real, channel 1 imaginary) into one complex single H x W (x T) x N array.</summary>
    private static MatVariable StackIq(IReadOnlyList<Frame> frames, int[] shape)
    {
        int per = Frame.ElementCount(shape);
        var real = Stack("data", frames.Select(f => f.Data[..per]).ToList(), shape);
        var imag = Stack("data", frames.Select(f => f.Data[per..]).ToList(), shape);
        return MatVariable.Numeric("data", MatClass.Single, real.Dimensions, real.Real!, imag.Real!);
    }

    /// <summary>Row-major [(T,) H, W] frames into one column-major H x W (x T) x N array.</summary>
    private static MatVariable Stack(string name, IReadOnlyList<float[]> frames, int[] shape)
    {
        int h = shape[^2], w = shape[^1], t = shape.Length == 3 ? shape[0] : 1;
        long per = (long)h * w * t;
        var values = new double[per * frames.Count];
        for (int n = 0; n < frames.Count; n++)
            for (int k = 0; k < t; k++)
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++)
                        values[r + (long)c * h + (long)k * h * w + n * per] = frames[n][(long)k * h * w + (long)r * w + c];
        int[] dims = shape.Length == 3 ? [h, w, t, frames.Count] : [h, w, frames.Count];
        return MatVariable.Doubles(name, values, dims);
    }
}

using DataPipeline.Engine.Clutter;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Mat;

/// <summary>One file's data and label arrays, float64 and column-major over MATLAB dimensions.</summary>
public sealed record MatArrays(double[] Data, int[] DataDims, double[]? Label, int[]? LabelDims);

/// <summary>
/// Turns one MAT-file into Frames by the [data] settings: picks the data and label arrays by struct
/// path, takes the chosen part of complex data, collapses reduce_dim, splits along frame_dim, and
/// scales each frame. MATLAB's column-major [H, W(, T)] becomes the Frame's row-major [(T,) H, W].
/// </summary>
public sealed class MatFrameExtractor
{
    private readonly DataSettings _settings;
    private readonly MatPath _dataPath;
    private readonly MatPath? _labelPath;
    private readonly Action<string>? _notice;

    /// <param name="notice">Told what the clutter filter kept in each file (svd_cutoff = "auto" chooses per file); called on the extracting thread.</param>
    public MatFrameExtractor(DataSettings settings, Action<string>? notice = null)
    {
        _settings = settings;
        _notice = notice;
        if (settings.ComplexPart == ComplexPart.Iq)
        {
            // The largest real part and the largest imaginary part come from different samples; min-max and
            // z-score shift the zero, which turns the phase into something else. Sums and a common scale keep IQ.
            if (settings.Reduce == MatReduction.Max)
                throw new ArgumentException("data.complex_part = \"iq\" keeps real and imaginary parts as two channels, and reduce = \"max\" over them has no meaning; use reduce = \"sum\" or \"mean\", or complex_part = \"magnitude\".");
            if (settings.Normalize is MatNormalization.MinMax or MatNormalization.ZScore)
                throw new ArgumentException($"data.complex_part = \"iq\" with normalize = \"{ConfigEnum.NameOf(settings.Normalize)}\" would shift the IQ's zero and change its phase; use normalize = \"max\" or \"none\".");
        }
        _dataPath = MatPath.Parse(settings.DataVariable);
        _labelPath = string.IsNullOrEmpty(settings.LabelVariable) ? null : MatPath.Parse(settings.LabelVariable);
    }

    /// <summary>
    /// The frames of <paramref name="file"/>. Throws <see cref="MatFormatException"/> for a damaged
    /// file and <see cref="InvalidDataException"/> for a readable file without the expected arrays.
    /// </summary>
    public IReadOnlyList<Frame> Extract(string file)
    {
        var (data, dataDims, label, labelDims) = ExtractArrays(file);
        var dataFrames = Split(file, data, dataDims, _dataPath);
        List<(double[] Values, int[] Dims)>? labelFrames = null;
        if (label is not null)
        {
            // A label with the same frame count splits with the data; otherwise every frame shares it.
            int frameAxis = _settings.FrameDim - 1;
            bool splitLabel = frameAxis >= 0 && frameAxis < labelDims!.Length && labelDims[frameAxis] == dataFrames.Count;
            labelFrames = splitLabel ? Split(file, label, labelDims!, _labelPath!) : [(label, Trim(labelDims!))];
        }

        var frames = new List<Frame>(dataFrames.Count);
        int channels = _settings.ComplexPart == ComplexPart.Iq ? 2 : 1;
        for (int i = 0; i < dataFrames.Count; i++)
        {
            var (values, dims) = dataFrames[i];
            var (frameData, shape) = channels == 1 ? ToFrameLayout(file, values, dims, _dataPath) : IqFrameLayout(file, values, dims);
            Normalize(frameData, _settings.Normalize);
            float[]? frameLabel = null;
            int[]? labelShape = null;
            if (labelFrames is not null)
            {
                var (lv, ld) = labelFrames[Math.Min(i, labelFrames.Count - 1)];
                (frameLabel, labelShape) = ToFrameLayout(file, lv, ld, _labelPath!);
                // A 2-D label for a 3-D sequence is one map for the whole sequence (a model with a temporal_head).
                if (labelShape.Length != shape.Length && !(labelShape.Length == 2 && shape.Length == 3))
                    throw new InvalidDataException($"{file}: data '{_dataPath}' gives frames [{string.Join("x", shape)}] but label '{_labelPath}' is [{string.Join("x", labelShape)}]; set reduce or frame_dim so both are 2-D, both 3-D, or the label 2-D for 3-D data.");
            }
            frames.Add(new Frame(frameData, shape, frameLabel, labelShape, file, i, channels: channels));
        }
        return frames;
    }

    /// <summary>
    /// The data array (complex part taken, reduce_dim collapsed) and the label array of
    /// <paramref name="file"/> as float64 in MATLAB's column-major layout, before frames are split,
    /// converted to float32 and normalized: the arrays the original loader built. Throws as
    /// <see cref="Extract"/> does.
    /// </summary>
    public MatArrays ExtractArrays(string file)
    {
        using var mat = MatFile.Open(file);
        var (data, dataDims) = ReadArray(mat, _dataPath, isData: true);
        // As in MATLAB, dimensions past the stored ones have size 1, so reducing one of them is a no-op.
        if (_settings.Reduce != MatReduction.None && _settings.ReduceDim <= dataDims.Length)
            (data, dataDims) = Reduce(data, dataDims, _settings.ReduceDim - 1, _settings.Reduce);

        double[]? label = null;
        int[]? labelDims = null;
        if (_labelPath is not null) (label, labelDims) = ReadArray(mat, _labelPath);
        return new MatArrays(data, dataDims, label, labelDims);
    }

    /// <summary>
    /// The array at <paramref name="path"/>; for the data, clutter-filtered. With complex_part = iq the data
    /// gain a last MATLAB dimension of 2 (real, then imaginary), after every dimension reduce_dim and
    /// frame_dim can name, so reducing and splitting treat both parts alike; labels take the magnitude.
    /// </summary>
    private (double[] Values, int[] Dims) ReadArray(MatFile mat, MatPath path, bool isData = false)
    {
        var value = mat.Read(path)
            ?? throw new InvalidDataException($"{mat.Path}: no variable '{path}' (the file has {string.Join(", ", mat.Variables.Select(v => v.Name))}).");
        if (!MatClass.HoldsNumbers(value.Class))
            throw new InvalidDataException($"{mat.Path}: '{path}' is a {value.Class}, not a numeric array.");
        if (value.Count == 0)
            throw new InvalidDataException($"{mat.Path}: '{path}' is empty ([{string.Join("x", value.Dimensions)}]).");
        var real = value.ToDoubleArray();
        var imag = value.IsComplex ? value.ToDoubleArray(imaginary: true) : null;
        if (isData && _settings.SvdCutoff.IsOn) FilterClutter(mat.Path, path, real, imag, value.Dimensions);
        if (isData && _settings.ComplexPart == ComplexPart.Iq)
        {
            if (imag is null)
                throw new InvalidDataException($"{mat.Path}: data.complex_part = \"iq\" needs complex data, but '{path}' is real ({value.Class}); use complex_part = \"real\" for it.");
            var dims = value.Dimensions.Concat(Enumerable.Repeat(1, Math.Max(0, Math.Max(_settings.ReduceDim, _settings.FrameDim) - value.Dimensions.Length))).Append(2).ToArray();
            return ([.. real, .. imag], dims);
        }
        if (imag is null || _settings.ComplexPart == ComplexPart.Real) return (real, value.Dimensions);
        if (_settings.ComplexPart == ComplexPart.Imag) return (imag, value.Dimensions);
        var magnitude = new double[real.Length];
        for (int i = 0; i < magnitude.Length; i++) magnitude[i] = Math.Sqrt(real[i] * real[i] + imag[i] * imag[i]);
        return (magnitude, value.Dimensions);
    }

    /// <summary>Collapses <paramref name="axis"/> of a column-major array.</summary>
    /// <summary>
    /// [data] svd_cutoff: the SVD clutter filter on the whole H x W x T array, on IQ before complex_part
    /// (the phase is what separates flow from tissue). MATLAB's column-major H x W x T is already the
    /// filter's [T, H·W] layout: each time step's plane is contiguous.
    /// </summary>
    private void FilterClutter(string file, MatPath path, double[] real, double[]? imag, int[] dims)
    {
        var trimmed = Trim(dims);
        if (trimmed.Length != 3)
            throw new InvalidDataException(
                $"{file}: data.svd_cutoff filters an H x W x T sequence, but '{path}' is [{string.Join("x", dims)}]; " +
                "point data_variable at the IQ sequence or set svd_cutoff = [0, 0].");
        var (lo, hi) = (_settings.SvdCutoff.Low, _settings.SvdCutoff.High);
        if (!_settings.SvdCutoff.IsAuto && (lo < 1 || lo > trimmed[2]))
            throw new InvalidDataException(
                $"{file}: data.svd_cutoff = [{lo}, {hi}] keeps no singular component of '{path}', which has {trimmed[2]} time steps; lo must be in [1, {trimmed[2]}].");
        var filter = SvdClutterFilter.Apply(real, imag, [trimmed[2], trimmed[0], trimmed[1]], _settings.SvdCutoff);
        _notice?.Invoke($"{file}: svd_cutoff = {_settings.SvdCutoff} removed the first {filter.Low - 1} of {trimmed[2]} singular components of '{path}' (kept [{filter.Low}, {filter.High}]).");
    }

    internal static (double[] Values, int[] Dims) Reduce(double[] values, int[] dims, int axis, MatReduction how)
    {
        var (inner, n, outer) = Strides(dims, axis);
        var result = new double[inner * outer];
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                double acc = how == MatReduction.Max ? double.NegativeInfinity : 0;
                long start = i + o * inner * n;
                for (long j = 0; j < n; j++)
                {
                    double v = values[start + j * inner];
                    acc = how == MatReduction.Max ? Math.Max(acc, v) : acc + v;
                }
                result[i + o * inner] = how == MatReduction.Mean ? acc / n : acc;
            }
        }
        return (result, Without(dims, axis));
    }

    private List<(double[] Values, int[] Dims)> Split(string file, double[] values, int[] dims, MatPath path)
    {
        int axis = _settings.FrameDim - 1;
        if (axis < 0) return [(values, dims)];
        if (axis >= dims.Length)
            throw new InvalidDataException($"{file}: frame_dim {_settings.FrameDim} is beyond the dimensions of '{path}' ([{string.Join("x", dims)}]).");
        var (inner, n, outer) = Strides(dims, axis);
        var frames = new List<(double[], int[])>((int)n);
        int[] rest = Without(dims, axis);
        for (long j = 0; j < n; j++)
        {
            var frame = new double[inner * outer];
            for (long o = 0; o < outer; o++)
                Array.Copy(values, j * inner + o * inner * n, frame, o * inner, inner);
            frames.Add((frame, rest));
        }
        return frames;
    }

    private static (long Inner, long N, long Outer) Strides(int[] dims, int axis)
    {
        long inner = 1, outer = 1;
        for (int k = 0; k < axis; k++) inner *= dims[k];
        for (int k = axis + 1; k < dims.Length; k++) outer *= dims[k];
        return (inner, dims[axis], outer);
    }

    private static int[] Without(int[] dims, int axis)
    {
        var rest = dims.Where((_, k) => k != axis).ToList();
        while (rest.Count < 2) rest.Add(1);
        return [.. rest];
    }

    /// <summary>MATLAB drops trailing singleton dimensions beyond the second; so do frames.</summary>
    private static int[] Trim(int[] dims)
    {
        int n = dims.Length;
        while (n > 2 && dims[n - 1] == 1) n--;
        return dims[..n];
    }

    /// <summary>Column-major [H, W(, T), 2] (real, imaginary) to row-major float [2, (T,) H, W]: channel 0 then channel 1.</summary>
    private (float[] Values, int[] Shape) IqFrameLayout(string file, double[] values, int[] dims)
    {
        int half = values.Length / 2;
        var (real, shape) = ToFrameLayout(file, values[..half], dims[..^1], _dataPath);
        var (imag, _) = ToFrameLayout(file, values[half..], dims[..^1], _dataPath);
        return ([.. real, .. imag], shape);
    }

    /// <summary>Column-major [H, W(, T)] to row-major float [(T,) H, W].</summary>
    private static (float[] Values, int[] Shape) ToFrameLayout(string file, double[] values, int[] dims, MatPath path)
    {
        dims = Trim(dims);
        if (dims.Length > 3)
            throw new InvalidDataException($"{file}: '{path}' gives [{string.Join("x", dims)}] per frame; frames are 2-D or 3-D (use reduce or frame_dim).");
        int h = dims[0], w = dims[1], t = dims.Length == 3 ? dims[2] : 1;
        var result = new float[values.Length];
        for (int k = 0; k < t; k++)
            for (int c = 0; c < w; c++)
                for (int r = 0; r < h; r++)
                    result[(long)k * h * w + (long)r * w + c] = (float)values[r + (long)c * h + (long)k * h * w];
        return (result, dims.Length == 3 ? [t, h, w] : [h, w]);
    }

    internal static void Normalize(float[] data, MatNormalization how)
    {
        switch (how)
        {
            case MatNormalization.MinMax:
            {
                float min = data.Min(), max = data.Max();
                float range = max - min;
                for (int i = 0; i < data.Length; i++) data[i] = range > 0 ? (data[i] - min) / range : 0;
                break;
            }
            case MatNormalization.ZScore:
            {
                double mean = data.Average(v => (double)v);
                double std = Math.Sqrt(data.Average(v => (v - mean) * (v - mean)));
                for (int i = 0; i < data.Length; i++) data[i] = std > 0 ? (float)((data[i] - mean) / std) : 0;
                break;
            }
            case MatNormalization.Max:
            {
                float peak = data.Max(v => Math.Abs(v));
                if (peak > 0) for (int i = 0; i < data.Length; i++) data[i] /= peak;
                break;
            }
        }
    }
}

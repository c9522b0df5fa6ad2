using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;

namespace DataPipeline.Engine.Mat;

/// <summary>What importing one file gave: its frames, or why it was skipped.</summary>
public sealed record MatImportResult(string File, IReadOnlyList<Frame> Frames, Exception? Error);

/// <summary>
/// Imports MAT-files as Frames in path order, decoding up to <c>parallelism</c> files ahead on
/// worker threads while results come out in order. A file whose arrays have a different shape from
/// the first good file's is reported, not imported, so one odd file cannot break a batch later.
/// </summary>
public sealed class MatDatasetImporter
{
    private readonly MatFrameExtractor _extractor;
    private readonly int _parallelism;

    /// <param name="notice">Passed to <see cref="MatFrameExtractor"/>: called from worker threads.</param>
    public MatDatasetImporter(DataSettings settings, int parallelism, Action<string>? notice = null)
    {
        _extractor = new MatFrameExtractor(settings, notice);
        _parallelism = Math.Max(1, parallelism);
    }

    /// <summary>The MAT-files under folders (optionally recursive) and the files given, sorted by full path.</summary>
    public static IReadOnlyList<string> FindFiles(IEnumerable<string> paths, bool recurse)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                var option = recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
                foreach (string f in Directory.EnumerateFiles(path, "*.mat", option)) files.Add(Path.GetFullPath(f));
            }
            else
            {
                files.Add(Path.GetFullPath(path));
            }
        }
        return [.. files];
    }

    public IEnumerable<MatImportResult> Import(IReadOnlyList<string> files, CancellationToken cancellation)
    {
        var pending = new Queue<Task<MatImportResult>>();
        int next = 0;
        (int[] Data, int[]? Label)? reference = null;
        while (next < files.Count || pending.Count > 0)
        {
            while (next < files.Count && pending.Count < _parallelism)
            {
                string file = files[next++];
                pending.Enqueue(Task.Run(() => Decode(file), cancellation));
            }
            var result = pending.Dequeue().GetAwaiter().GetResult();
            if (result.Error is null && result.Frames.Count > 0)
            {
                var first = result.Frames[0];
                reference ??= (first.Shape, first.LabelShape);
                var (shape, labelShape) = reference.Value;
                var odd = result.Frames.FirstOrDefault(f => !f.Shape.SequenceEqual(shape) || !(f.LabelShape ?? []).SequenceEqual(labelShape ?? []));
                if (odd is not null)
                {
                    result = result with
                    {
                        Frames = [],
                        Error = new InvalidDataException(
                            $"{result.File}: frames are [{string.Join("x", odd.Shape)}] with label [{string.Join("x", odd.LabelShape ?? [])}], " +
                            $"but the first file's are [{string.Join("x", shape)}] with label [{string.Join("x", labelShape ?? [])}]; skipped."),
                    };
                }
            }
            yield return result;
        }
    }

    private MatImportResult Decode(string file)
    {
        try
        {
            return new MatImportResult(file, _extractor.Extract(file), null);
        }
        catch (Exception e) when (e is MatFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new MatImportResult(file, [], e);
        }
    }
}

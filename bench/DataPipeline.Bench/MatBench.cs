using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Mat;

namespace DataPipeline.Bench;

/// <summary>
/// The mat mode, the counterpart of shared/bench/peer_loadmat.py: for every .mat file in a folder,
/// the original loader's training pair (real part of low_res.das summed over MATLAB dimension 3,
/// and conf_map.gauss, both float64) through the engine's own extraction, the one Import-MatDataset
/// uses, timed over full passes.
/// </summary>
internal static class MatBench
{
    public static int Run(MatArguments args)
    {
        var envAtStart = BenchJson.CaptureEnvironment();
        if (!Directory.Exists(args.Folder)) throw new UsageException($"no folder '{args.Folder}'");
        // As the peer: names ending in .mat (any case), sorted by name.
        var files = Directory.EnumerateFiles(args.Folder)
            .Where(f => f.EndsWith(".mat", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        if (args.Limit > 0 && files.Count > args.Limit) files = files[..args.Limit];
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"bench: no .mat files in {args.Folder}");
            return 1;
        }

        // Settings spelled out rather than left to the defaults, so the bench keeps measuring the
        // peer's extraction if a default changes.
        var extractor = new MatFrameExtractor(new DataSettings
        {
            DataVariable = "low_res.das",
            LabelVariable = "conf_map.gauss",
            Reduce = MatReduction.Sum,
            ReduceDim = 3,
            ComplexPart = ComplexPart.Real,
            Normalize = MatNormalization.None,
            FrameDim = 0,
        });

        var formats = files.Select(FormatName).ToList();
        long totalBytes = files.Sum(f => new FileInfo(f).Length);
        var counts = formats.Distinct().Order(StringComparer.Ordinal).ToDictionary(f => f, f => formats.Count(x => x == f));
        var first = extractor.ExtractArrays(files[0]);
        string engine = $"DataPipeline.Engine {EngineVersion()}";
        Console.WriteLine($"bench: {files.Count} files {{{string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"))}}}, " +
                          $"{totalBytes / 1e6:F2} MB, data ({string.Join(", ", first.DataDims)}) label ({string.Join(", ", first.LabelDims!)}) " +
                          $"({engine}, {RuntimeInformation.FrameworkDescription}, workers {args.Workers})");

        var loadStart = BenchJson.LoadAverage();
        var passSeconds = new double[args.Passes];
        // Each file's data[0,0] + label[0,0], the peer's checksum terms, summed in file order after
        // the pass so the checksum is the same whatever --workers is.
        var terms = new double[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = args.Workers };
        double checksum = 0;
        for (int p = 0; p < args.Passes; p++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (args.Workers == 1)
            {
                // Plain loop for the default, so the single-threaded number carries no Parallel overhead.
                for (int i = 0; i < files.Count; i++) terms[i] = Term(extractor.ExtractArrays(files[i]));
            }
            else
            {
                Parallel.For(0, files.Count, parallel, i => terms[i] = Term(extractor.ExtractArrays(files[i])));
            }
            passSeconds[p] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            checksum = 0;
            foreach (double t in terms) checksum += t;
            Console.WriteLine($"bench: pass {p + 1}: {passSeconds[p]:F3} s, {files.Count / passSeconds[p]:F1} files/s");
        }

        double median = BenchJson.Median(passSeconds);
        double filesPerSecond = Math.Round(files.Count / median, 2);
        double megabytesPerSecond = Math.Round(totalBytes / 1e6 / median, 2);
        var loadEnd = BenchJson.LoadAverage();
        Console.WriteLine($"bench: median pass {median:F3} s: {filesPerSecond} files/s, {megabytesPerSecond} MB/s of file bytes");
        Console.WriteLine(BenchJson.Line(w =>
        {
            w.WriteString("bench", "datapipeline_mat");
            w.WriteString("folder", Path.GetFullPath(args.Folder));
            w.WriteNumber("files", files.Count);
            w.WriteStartObject("formats");
            foreach (var (format, count) in counts) w.WriteNumber(format, count);
            w.WriteEndObject();
            w.WriteString("reader", engine);
            w.WriteNumber("bytes", totalBytes);
            BenchJson.WriteNumbers(w, "data_shape", first.DataDims.Select(d => (double)d));
            BenchJson.WriteNumbers(w, "label_shape", first.LabelDims!.Select(d => (double)d));
            w.WriteNumber("passes", args.Passes);
            BenchJson.WriteNumbers(w, "pass_seconds", passSeconds.Select(s => Math.Round(s, 4)));
            w.WriteNumber("median_s", Math.Round(median, 4));
            w.WriteNumber("files_per_s", filesPerSecond);
            w.WriteNumber("MB_per_s", megabytesPerSecond);
            w.WriteNumber("best_files_per_s", Math.Round(files.Count / passSeconds.Min(), 2));
            w.WriteNumber("checksum", checksum);
            // The peer's library versions: none of those libraries is used here (the engine reads
            // both formats itself; "reader" names it), so they are null rather than absent.
            w.WriteNull("scipy_version");
            w.WriteNull("h5py_version");
            w.WriteNull("hdf5_version");
            w.WriteNull("numpy_version");
            // The peer's "python" key: the language runtime.
            w.WriteString("python", RuntimeInformation.FrameworkDescription);
            BenchJson.WriteEnvironment(w, envAtStart);
            BenchJson.WriteLoadAndTime(w, loadStart, loadEnd);
        }));
        return 0;
    }

    /// <summary>The peer's per-file checksum term, float(data[0, 0]) + float(label[0, 0]): element 0 in either layout.</summary>
    private static double Term(MatArrays arrays) => arrays.Data[0] + arrays.Label![0];

    /// <summary>The peer's format names ("v7.3" for HDF5, "v5" for level 5); "v4" is ours only, the peer rejects it.</summary>
    private static string FormatName(string file)
    {
        using var mat = MatFile.Open(file);
        return mat.Format switch
        {
            MatFileFormat.Hdf5 => "v7.3",
            MatFileFormat.Level5 => "v5",
            _ => "v4",
        };
    }

    private static string EngineVersion() =>
        typeof(MatFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "unknown";
}

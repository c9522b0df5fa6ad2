using System.Globalization;

namespace DataPipeline.Bench;

/// <summary>Thrown for a command line that cannot be run; Program prints it with the usage.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The U-Net modes' command line, mirroring shared/bench/peer_unet.py's argparse: a config file,
/// --steps (default 20), --warmup (default 3), --mode train|infer and --threads (overrides
/// [training] threads). Both "--steps 5" and "--steps=5" are accepted, as argparse does. Ours only:
/// --contiguous builds the model in libtorch's default layout instead of channels-last (A/B).
/// </summary>
internal sealed record UNetArguments(string Mode, string ConfigPath, int Steps, int Warmup, int? Threads, bool Contiguous = false)
{
    public const int DefaultSteps = 20;
    public const int DefaultWarmup = 3;

    /// <param name="command">"train" or "infer" when the command named the mode; null for the peer's own
    /// form (config first, mode from --mode, default train).</param>
    /// <param name="args">The arguments after the command word.</param>
    public static UNetArguments Parse(string? command, IReadOnlyList<string> args)
    {
        string? config = null, mode = null;
        int steps = DefaultSteps, warmup = DefaultWarmup;
        int? threads = null;
        bool contiguous = false;
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: a => a is "--check-formula" or "--contiguous"))
        {
            if (name is null)
            {
                if (config is not null) throw new UsageException($"unexpected argument '{value}': only one config file is taken");
                config = value;
                continue;
            }
            switch (name)
            {
                case "--steps": steps = BenchArguments.ParseInt(name, value); break;
                case "--warmup": warmup = BenchArguments.ParseInt(name, value); break;
                case "--threads": threads = BenchArguments.ParseInt(name, value); break;
                case "--mode":
                    if (value is not ("train" or "infer")) throw new UsageException($"--mode must be train or infer, not '{value}'");
                    mode = value;
                    break;
                case "--contiguous": contiguous = true; break;
                case "--check-formula":
                    throw new UsageException(
                        "--check-formula is not implemented in this version; every train/infer run checks the " +
                        "parameter count against the UNET.md formula before it times anything");
                default:
                    throw new UsageException($"unknown option '{name}'");
            }
        }
        if (command is not null && mode is not null && mode != command)
            throw new UsageException($"'{command}' contradicts --mode {mode}");
        if (config is null) throw new UsageException("a config file is required");
        if (steps < 1 || warmup < 0) throw new UsageException("--steps must be >= 1 and --warmup >= 0");
        if (threads is < 1) throw new UsageException("--threads must be >= 1");
        return new UNetArguments(command ?? mode ?? "train", config, steps, warmup, threads, contiguous);
    }
}

/// <summary>
/// The mat mode's command line, mirroring shared/bench/peer_loadmat.py's argparse: a folder,
/// --passes (default 3) and --limit (first N files, 0 = all), plus --workers (files decoded at
/// once, default 1: the peer is single-threaded).
/// </summary>
internal sealed record MatArguments(string Folder, int Passes, int Limit, int Workers)
{
    public static MatArguments Parse(IReadOnlyList<string> args)
    {
        string? folder = null;
        int passes = 3, limit = 0, workers = 1;
        foreach (var (name, value) in BenchArguments.Tokens(args, flag: _ => false))
        {
            if (name is null)
            {
                if (folder is not null) throw new UsageException($"unexpected argument '{value}': only one folder is taken");
                folder = value;
                continue;
            }
            switch (name)
            {
                case "--passes": passes = BenchArguments.ParseInt(name, value); break;
                case "--limit": limit = BenchArguments.ParseInt(name, value); break;
                case "--workers": workers = BenchArguments.ParseInt(name, value); break;
                default: throw new UsageException($"unknown option '{name}'");
            }
        }
        if (folder is null) throw new UsageException("a folder of .mat files is required");
        if (passes < 1 || limit < 0 || workers < 1) throw new UsageException("--passes and --workers must be >= 1 and --limit >= 0");
        return new MatArguments(folder, passes, limit, workers);
    }
}

internal static class BenchArguments
{
    /// <summary>
    /// Splits a command line as argparse reads it: positionals come back with a null name; an option
    /// is "--name value" or "--name=value", except flags (<paramref name="flag"/>), which take no value.
    /// </summary>
    public static IEnumerable<(string? Name, string Value)> Tokens(IReadOnlyList<string> args, Func<string, bool> flag)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                yield return (null, arg);
                continue;
            }
            int eq = arg.IndexOf('=');
            if (eq > 0)
                yield return (arg[..eq], arg[(eq + 1)..]);
            else if (flag(arg))
                yield return (arg, "");
            else if (i + 1 < args.Count)
                yield return (arg, args[++i]);
            else
                throw new UsageException($"{arg} needs a value");
        }
    }

    public static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new UsageException($"{name} needs an integer, not '{value}'");
}

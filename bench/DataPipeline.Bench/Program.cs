using DataPipeline.Bench;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Runtime;

// DataPipeline's benchmark program (DESIGN.md §6): one mode per peer in ../shared/bench, with the
// peer's arguments and, as the last stdout line, one JSON object with the peer's keys.
const string Usage = """
    usage:
      DataPipeline.Bench train <config.toml> [--steps N] [--warmup N] [--threads N] [--contiguous]   ~ peer_unet.py
      DataPipeline.Bench infer <config.toml> [--steps N] [--warmup N] [--threads N] [--contiguous]   ~ peer_unet.py --mode infer
      DataPipeline.Bench <config.toml> [--mode train|infer] [--steps N] [--warmup N] [--threads N]
                                                            (peer_unet.py's own command line)
      DataPipeline.Bench mat <folder> [--passes N] [--limit N] [--workers N]           ~ peer_loadmat.py
      DataPipeline.Bench batches [--frames N] [--batches N] [--warmup N] [--batch-size N] [--workers N]
                                 [--noise-db DB] [--noise-model snr-db] [--rotation DEG] [--rescale F]
                                 [--no-shuffle] [--seed N]                         ~ peer_batches.py
      DataPipeline.Bench stream <store.h5> [--gigabytes G] [--workers N] [--batch-size N] [--window N] [--seed N]
                                 one streamed epoch from a frame store (written first if missing); peak RSS
      DataPipeline.Bench soak [--steps N] [--targets adam,adamw,sgd,sgd-nesterov,rmsprop,adadelta,trainer,torchsharp-adam]
                              [--no-gc] [--max-failures N]
                                 training steps with a GC.Collect thread; steps survived and failures per target
      DataPipeline.Bench conv1x1 [--raw] [--threads N]
                                 the 1x1 convolutions that crash oneDNN in channels-last, run as matrix products
                                 (--raw: libtorch's own convolution, the crash)
      DataPipeline.Bench layouts <config.toml> [--steps N] [--dtype float32|float64] [--threads N]
                                 losses of N training steps in channels-last and in the default layout
      DataPipeline.Bench dropout [--steps N] [--threads N] [--p P]
                                 one dropout layer of the lab network forward and backward: libtorch's against PackedDropout
      DataPipeline.Bench ultrasound [--frames N] [--size N] [--bubbles N] [--tissue N] [--warmup N]
                                 ultrasound IQ simulation on one thread: frames/s, cost per scatterer, a 10,000-scatterer frame
    --contiguous: the U-Net in libtorch's default layout instead of channels-last (A/B).
    defaults: --steps 20, --warmup 3, --threads from [training] threads; --passes 3, --limit 0 (all), --workers 1.
    batches defaults as the peer's: 1024 frames, 200 batches of 32, 5 warm-up, 2 workers, 6 dB.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    switch (args[0])
    {
        case "train" or "infer":
            return UNetBench.Run(UNetArguments.Parse(args[0], args[1..]));
        case "mat":
            return MatBench.Run(MatArguments.Parse(args[1..]));
        case "batches":
            return BatchesBench.Run(BatchesArguments.Parse(args[1..]));
        case "stream":
            return StreamBench.Run(StreamArguments.Parse(args[1..]));
        case "soak":
            return SoakBench.Run(SoakArguments.Parse(args[1..]));
        case "conv1x1":
            return LayoutBench.Conv1x1(args[1..]);
        case "layouts":
            return LayoutBench.Layouts(args[1..]);
        case "dropout":
            return DropoutBench.Run(args[1..]);
        case "ultrasound":
            return UltrasoundBench.Run(args[1..]);
        default:
            // No mode word: the peer's form, config first and --mode choosing train or infer.
            return UNetBench.Run(UNetArguments.Parse(null, args));
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine($"DataPipeline.Bench: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"DataPipeline.Bench: {e.Message}");
    return 2;
}
catch (TorchUnavailableException e)
{
    Console.Error.WriteLine($"DataPipeline.Bench: {e.Message}");
    return 1;
}

using System.Management.Automation;
using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Runtime;
using DataPipeline.Engine.Training;
using DataPipeline.PowerShell.Completion;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Trains the U-Net on a BatchGenerator (or on frames, batched by the configuration) and emits a
/// TrainingRun. Training runs on a worker thread; its progress is marshalled to the pipeline
/// thread, the only one allowed to call Write-Progress. Ctrl+C (StopProcessing) stops training
/// after the current step, with last.ckpt and run.log written, and then the pipeline stops.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "UNetTraining", DefaultParameterSetName = GeneratorSet)]
[OutputType(typeof(TrainingRun))]
public sealed class InvokeUNetTrainingCommand : DataPipelineCmdlet
{
    private const string GeneratorSet = "Generator", FrameSet = "Frame";
    private readonly List<Frame> _frames = [];
    private BatchGenerator? _generator;
    private TrainingSession? _session;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = GeneratorSet, Position = 0)]
    public BatchGenerator Generator { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FrameSet)]
    public Frame[] Frame { get; set; } = [];

    [Parameter]
    public string? Config { get; set; }

    /// <summary>
    /// A checkpoint (last.ckpt) of an interrupted run to continue: its configuration, weights,
    /// optimizer, random state, schedule and history. -Epochs may extend it.
    /// </summary>
    [Parameter]
    public string? Resume { get; set; }

    /// <summary>
    /// A model from New-UNetModel or Import-UNetModel: its configuration drives the run (-Config
    /// is not needed), and a trained model's weights start it.
    /// </summary>
    [Parameter]
    public UNetModel? Model { get; set; }

    /// <summary>A checkpoint whose weights start this run (fine-tuning); the optimizer starts fresh.</summary>
    [Parameter]
    public string? InitialWeights { get; set; }

    [Parameter]
    [ValidateRange(1, 1000000)]
    public int Epochs { get; set; }

    [Parameter]
    [ValidatePattern("^(auto|cpu|cuda(:[0-9]+)?)$")]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string? Device { get; set; }

    /// <summary>Folder under which the run's checkpoints go (in a subfolder named by the run).</summary>
    [Parameter]
    public string? OutputDirectory { get; set; }

    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double LearningRate { get; set; }

    [Parameter]
    public LossKind Loss { get; set; }

    [Parameter]
    [ValidateRange(0, 1024)]
    public int Threads { get; set; }

    [Parameter]
    public TrainingPrecision Precision { get; set; }

    /// <summary>
    /// A file that also gets every line of the run's run.log, appended: one log for a scheduled
    /// job across its nights. The folder is created when missing.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>
    /// Failed epochs (an error inside a step) to run again from last.ckpt before the run fails
    /// (training.retries); 0 fails at the first.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 1000)]
    public int RetryFailedEpoch { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == FrameSet) _frames.AddRange(Frame);
        else if (_generator is null) _generator = Generator;
        else WriteWarning("Invoke-UNetTraining trains on one generator; ignoring the extra one from the pipeline.");
    }

    protected override void EndProcessing()
    {
        string? resume = Resume is null ? null : ResolvePath(Resume);
        var config = resume is not null ? LoadCheckpointConfig(resume)
            : Model is not null && Config is null ? Model.Config
            : LoadConfig(Config);
        if (IsBound(nameof(Epochs))) config.Training.Epochs = Epochs;
        if (IsBound(nameof(Device))) config.Training.Device = Device!;
        if (IsBound(nameof(LearningRate))) config.Training.LearningRate = LearningRate;
        if (IsBound(nameof(Loss))) config.Training.Loss = Loss;
        if (IsBound(nameof(Threads))) config.Training.Threads = Threads;
        if (IsBound(nameof(Precision))) config.Training.Precision = Precision;
        if (IsBound(nameof(RetryFailedEpoch))) config.Training.Retries = RetryFailedEpoch;
        string output = ResolvePath(OutputDirectory ?? config.Output.Directory);

        var generator = _generator;
        if (generator is null)
        {
            if (_frames.Count == 0)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("No frames or batch generator came down the pipeline."),
                    "NoInput", ErrorCategory.InvalidArgument, null));
            try
            {
                generator = new BatchGenerator(_frames, config.Batch, config.Augment);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidFrames", ErrorCategory.InvalidData, _frames.Count));
                return;
            }
        }
        EnsureTorch();

        var trainer = new Trainer(config) { LogCopyPath = ResolveLogPath(LogPath) };
        var start = new TrainingStart(resume, InitialWeights is not null ? ResolvePath(InitialWeights) : Model?.CheckpointPath);
        _session = new TrainingSession(this);
        var session = _session;
        TrainingRun run;
        try
        {
            run = session.Run(config.Training.Epochs, "Training U-Net", (report, token) => trainer.Run(generator, output, report, token, start));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidTrainingSetup", ErrorCategory.InvalidArgument, generator));
            return;
        }
        catch (MemoryLimitExceededException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "MemoryLimitExceeded", ErrorCategory.LimitsExceeded, e.Key));
            return;
        }
        catch (ConfigException e)
        {
            // A setting the chosen device cannot honour (training.precision = "fp16" on the CPU).
            ThrowTerminatingError(new ErrorRecord(e, "UnsupportedSetting", ErrorCategory.InvalidArgument, e.Key));
            return;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidCheckpoint", ErrorCategory.InvalidData, resume ?? InitialWeights));
            return;
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "TrainingError", ErrorCategory.InvalidOperation, generator));
            return;
        }
        // Non-terminating, so a script's -ErrorAction (or $ErrorActionPreference = 'Stop') decides:
        // Stop ends it here, with everything already on disk; Continue still emits the run.
        if (generator.Transform is not null)
            WriteVerbose($"-Transform: {generator.TransformStatistics}.");
        if (run.Status == TrainingStatus.Failed)
            WriteError(run.Error is Engine.Batching.BatchTransformException transform
                // The batch's id is the target: which batch of which epoch the user's transform failed on.
                ? new ErrorRecord(new InvalidOperationException(run.Message, transform), "BatchTransformFailed", ErrorCategory.InvalidResult, transform.BatchId)
                : new ErrorRecord(new InvalidOperationException(run.Message, run.Error), "TrainingFailed", ErrorCategory.InvalidResult, run));
        else if (run.Message.Length > 0)
            WriteVerbose(run.Message);
        WriteObject(run);
    }

    protected override void StopProcessing() => _session?.Stop();

    private PipelineConfig LoadCheckpointConfig(string path)
    {
        try
        {
            return Checkpoint.ConfigOf(Checkpoint.ReadState(path), path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ConfigException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidCheckpoint",
                File.Exists(path) ? ErrorCategory.InvalidData : ErrorCategory.ObjectNotFound, path));
            throw; // not reached
        }
    }
}

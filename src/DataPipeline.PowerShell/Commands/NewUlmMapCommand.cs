using System.Management.Automation;
using DataPipeline.Engine.Configuration;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Frames;
using DataPipeline.Engine.Maps;
using DataPipeline.Engine.Tracking;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// Renders an ULM image from tracks (density of track passes, mean speed, direction) or from
/// frames' plain localisations (density), on a grid -Scale times finer than the data. Streams:
/// memory is the map's, however many tracks or frames come down the pipeline. Emits one UlmMap.
/// </summary>
[Cmdlet(VerbsCommon.New, "UlmMap", DefaultParameterSetName = TrackSet)]
[OutputType(typeof(UlmMap))]
public sealed class NewUlmMapCommand : DataPipelineCmdlet
{
    private const string TrackSet = "Track", FrameSet = "Frame";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TrackSet)]
    public Track Track { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FrameSet)]
    public Frame Frame { get; set; } = null!;

    /// <summary>Map pixels per data pixel along each axis.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Scale { get; set; } = 4;

    /// <summary>The data's field of view, height and width in data pixels; default: that of the first track or frame.</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    [ValidateRange(1, 100000)]
    public int[]? Size { get; set; }

    /// <summary>Prediction (default) maps the peaks of the frames' predictions; Positions their known positions.</summary>
    [Parameter(ParameterSetName = FrameSet)]
    public LocalisationOrigin From { get; set; } = LocalisationOrigin.Prediction;

    [Parameter(ParameterSetName = FrameSet)]
    [ValidateRange(0.0, 1.0)]
    public double Threshold { get; set; }

    [Parameter(ParameterSetName = FrameSet)]
    public string? Config { get; set; }

    private UlmMapBuilder? _builder;
    private EvaluationSettings _detection = null!;
    private bool _warnedOutside;

    protected override void BeginProcessing()
    {
        _detection = LoadConfig(Config).Evaluation;
        if (IsBound(nameof(Threshold))) _detection.Threshold = Threshold;
        if (Size is { } size) _builder = Builder(size[0], size[1]);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == TrackSet)
        {
            var builder = _builder ??= Track.Height is { } h && Track.Width is { } w
                ? Builder(h, w)
                : Stop(new ArgumentException($"Track {Track} does not carry its field of view (tracks from Measure-Localization's detections do not); give it with -Size height, width."),
                    "MapSizeUnknown", Track);
            CheckField(Track.Height, Track.Width, Track);
            builder.AddTrack(Track);
            return;
        }
        var map = _builder ??= Builder(Frame.Height, Frame.Width);
        CheckField(Frame.Height, Frame.Width, Frame);
        try
        {
            foreach (var step in SequenceLocalisations.Of(Frame, From, _detection)) map.AddLocalisations(step);
        }
        catch (ArgumentException e)
        {
            WriteError(new ErrorRecord(e, "FrameNotMappable", ErrorCategory.InvalidData, Frame));
        }
    }

    protected override void EndProcessing()
    {
        if (_builder is null)
            Stop(new InvalidOperationException("No tracks or frames came down the pipeline, and no -Size was given, so there is no field of view to map."), "NothingToMap", null);
        WriteObject(_builder!.Build());
    }

    private UlmMapBuilder Builder(int height, int width)
    {
        try
        {
            return new UlmMapBuilder(height, width, Scale);
        }
        catch (ArgumentException e)
        {
            return Stop(e, "InvalidMapSize", new[] { height, width });
        }
    }

    // Points beyond the map are left out; say so once, since a wrong -Size would otherwise look like an empty map.
    private void CheckField(int? height, int? width, object item)
    {
        if (_warnedOutside || height is null || width is null) return;
        if (height == _builder!.DataHeight && width == _builder.DataWidth) return;
        WriteWarning($"{item} covers {height}x{width} data pixels but the map {_builder.DataHeight}x{_builder.DataWidth}; points outside the map are left out.");
        _warnedOutside = true;
    }

    private UlmMapBuilder Stop(Exception e, string id, object? target)
    {
        ThrowTerminatingError(new ErrorRecord(e, id, ErrorCategory.InvalidArgument, target));
        throw e; // not reached: ThrowTerminatingError always throws
    }
}

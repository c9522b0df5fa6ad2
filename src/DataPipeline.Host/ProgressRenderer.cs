using System.Management.Automation;

namespace DataPipeline.Host;

/// <summary>
/// Shows the latest progress record as one status line that is overwritten in place. Only used when
/// stderr is a terminal: in logs, a stream of carriage-return lines is noise.
/// </summary>
internal sealed class ProgressRenderer(TextWriter error, Func<int> width)
{
    private int _shownLength;

    public void Show(ProgressRecord record)
    {
        if (record.RecordType == ProgressRecordType.Completed)
        {
            Clear();
            return;
        }

        var line = Describe(record);
        var maxLength = Math.Max(width() - 1, 1);
        if (line.Length > maxLength)
        {
            line = line[..maxLength];
        }

        // Padding to the previous length erases a longer earlier line without relying on ANSI support.
        error.Write('\r' + line.PadRight(_shownLength));
        error.Flush();
        _shownLength = line.Length;
    }

    /// <summary>Erases the status line so that other output starts on a clean line.</summary>
    public void Clear()
    {
        if (_shownLength == 0)
        {
            return;
        }

        error.Write('\r' + new string(' ', _shownLength) + '\r');
        error.Flush();
        _shownLength = 0;
    }

    private static string Describe(ProgressRecord record)
    {
        var text = $"{record.Activity}: {record.StatusDescription}";
        if (record.PercentComplete >= 0)
        {
            text += $" [{record.PercentComplete}%]";
        }

        if (record.SecondsRemaining >= 0)
        {
            text += $" {TimeSpan.FromSeconds(record.SecondsRemaining):c} remaining";
        }

        if (!string.IsNullOrEmpty(record.CurrentOperation))
        {
            text += $" - {record.CurrentOperation}";
        }

        return text.ReplaceLineEndings(" ");
    }
}

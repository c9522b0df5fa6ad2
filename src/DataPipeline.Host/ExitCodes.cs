namespace DataPipeline.Host;

/// <summary>
/// dpsh's process exit codes, distinct per cause so that cron, systemd and CI can tell a failed
/// script from a broken installation or a typo in the command line. Listed in dpsh -Help.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A terminating error ended the script, its last statement failed, or it did not parse (as pwsh).</summary>
    public const int ScriptFailed = 1;

    /// <summary>dpsh's own command line was wrong: an unknown option or a missing value.</summary>
    public const int UsageError = 2;

    /// <summary>The DataPipeline module could not be imported, so no script ran.</summary>
    public const int ModuleLoadFailed = 3;

    /// <summary>-File named a script that does not exist or is not a .ps1 file.</summary>
    public const int ScriptFileNotFound = 64;

    /// <summary>Ctrl+C (SIGINT) stopped the script, as 128 + SIGINT in a Unix shell.</summary>
    public const int Interrupted = 130;
}

using System.Management.Automation;

namespace DataPipeline.Host;

/// <summary>
/// Turns the words after '-File path' into parameters and arguments, as pwsh does: '-Name value' and
/// '-Name:value' bind by name, a switch takes no value, everything else is positional.
/// </summary>
internal static class ScriptArguments
{
    /// <param name="isSwitch">Whether the script's parameter of that name (or prefix) is a switch.</param>
    public static void Add(System.Management.Automation.PowerShell powerShell, IReadOnlyList<string> args, Func<string, bool> isSwitch)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!IsParameterName(args[i]))
            {
                powerShell.AddArgument(args[i]);
                continue;
            }

            var name = args[i][1..];
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                powerShell.AddParameter(name[..colon], ColonValue(name[(colon + 1)..]));
            }
            else if (isSwitch(name) || i + 1 == args.Count || IsParameterName(args[i + 1]))
            {
                powerShell.AddParameter(name, true);
            }
            else
            {
                powerShell.AddParameter(name, args[++i]);
            }
        }
    }

    // "-5" and "-" are values, not parameter names.
    private static bool IsParameterName(string arg) =>
        arg.Length > 1 && arg[0] == '-' && (char.IsLetter(arg[1]) || arg[1] == '_' || arg[1] == '?');

    // From a shell, "-Force:$false" arrives as text; pwsh reads these two as booleans so switches can be turned off.
    private static object ColonValue(string value) => value.ToLowerInvariant() switch
    {
        "$true" => true,
        "$false" => false,
        _ => value,
    };
}

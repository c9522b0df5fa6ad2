namespace Tomlyn;

/// <summary>What the stand-in offers: enough for a pwsh session to load it and say which one it loaded.</summary>
public static class Toml
{
    public static string Describe() => $"Tomlyn {typeof(Toml).Assembly.GetName().Version} (stand-in)";
}

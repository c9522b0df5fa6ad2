namespace Tomlyn;

/// <summary>What the stand-in offers: enough for the host to load it and say which one it loaded.</summary>
public static class Toml
{
    public static string Describe() => $"Tomlyn {typeof(Toml).Assembly.GetName().Version} (stand-in)";
}

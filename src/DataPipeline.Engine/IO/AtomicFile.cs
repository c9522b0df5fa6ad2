namespace DataPipeline.Engine.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a torn
/// one: the content goes to a temporary file in the same folder, then is renamed over the target.
/// A run killed mid-write leaves at most a stray *.tmp file, and the last good file intact.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<string> writeTo)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTo(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void WriteStream(string path, Action<Stream> write) => Write(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    public static void WriteAllText(string path, string text) => WriteStream(path, stream =>
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
        writer.Write(text);
    });
}

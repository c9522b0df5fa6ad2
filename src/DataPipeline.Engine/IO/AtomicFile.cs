namespace DataPipeline.Engine.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never a torn
/// one: the content goes to a temporary file in the same folder, then is renamed over the target.
/// A process killed mid-write leaves at most a stray temporary file, and the last good file intact;
/// the temporary's name carries the writer's process id, so the next write into that folder
/// (or <see cref="RemoveStaleTemporaries"/>) deletes it once that process is gone.
/// </summary>
public static class AtomicFile
{
    private const string Suffix = ".tmp";

    public static void Write(string path, Action<string> writeTo)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        RemoveStaleTemporaries(directory);
        string temporary = TemporaryPath(fullPath);
        try
        {
            writeTo(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (IOException e)
        {
            // "No space left on device: '.last.ckpt.4711.….tmp'" names a file the user never sees;
            // name the one they asked for, and say that the old one is still there.
            throw new IOException($"Could not write {fullPath}: {e.Message}{(File.Exists(fullPath) ? " The previous file is intact." : "")}", e);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// A new temporary file's path beside <paramref name="path"/>, named for this process so that
    /// <see cref="RemoveStaleTemporaries"/> deletes it once the process is gone (killed mid-write).
    /// </summary>
    public static string TemporaryPath(string path)
    {
        string fullPath = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}{Suffix}");
    }

    /// <summary>
    /// Deletes the temporary files in <paramref name="directory"/> that a crashed process left: those
    /// whose writer no longer runs. A live writer's (another run sharing the folder) are kept.
    /// </summary>
    public static void RemoveStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string file in Directory.EnumerateFiles(directory, "." + "*" + Suffix))
        {
            // .<name>.<pid>.<guid>.tmp: only ours, never a user's own .tmp file.
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length < 5 || !int.TryParse(parts[^3], out int pid) || !Guid.TryParseExact(parts[^2], "N", out _) || ProcessRuns(pid)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another process cleaning the same folder got there first.
            }
        }
    }

    private static bool ProcessRuns(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        // A killed writer whose parent died too stays a zombie until PID 1 reaps it, which in a
        // container may be never: /proc still lists it, but it writes nothing any more.
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                char state = stat[(stat.LastIndexOf(')') + 2)..][0];
                return state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
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

namespace DataPipeline.Engine.Mat;

/// <summary>The three on-disk forms a MATLAB file can take.</summary>
public enum MatFileFormat
{
    /// <summary>Level 4 (MATLAB 4, save -v4).</summary>
    Level4,
    /// <summary>Level 5 (save -v6 uncompressed, -v7 zlib-compressed).</summary>
    Level5,
    /// <summary>HDF5 with a MAT header (save -v7.3).</summary>
    Hdf5,
}

/// <summary>
/// An open MAT-file of any version, detected from its header (never its name). Opening lists the
/// variables from their headers; values are decoded only when asked for, one variable at a time.
/// Not thread-safe; open one per thread (files are opened for shared reading).
/// </summary>
public sealed class MatFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Level4File? _level4;
    private readonly Level5File? _level5;
    private readonly Hdf5MatFile? _hdf5;

    private MatFile(string path, FileStream stream, MatFileFormat format, Level4File? level4, Level5File? level5, Hdf5MatFile? hdf5)
    {
        Path = path;
        _stream = stream;
        Format = format;
        _level4 = level4;
        _level5 = level5;
        _hdf5 = hdf5;
    }

    public string Path { get; }

    public MatFileFormat Format { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and reads its variable list. Throws <see cref="MatFormatException"/>
    /// for a file that is not a MAT-file or is damaged, and the usual IO exceptions.
    /// </summary>
    public static MatFile Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        try
        {
            return OpenStream(full, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static MatFile OpenStream(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length == 0) throw new MatFormatException(path, null, "byte 0", "the file is empty");
        var head = new byte[(int)Math.Min(128, length)];
        RandomAccess.Read(stream.SafeFileHandle, head, 0);

        if (head.Length == 128 && (head[126], head[127]) is ((byte)'I', (byte)'M') or ((byte)'M', (byte)'I'))
        {
            bool bigEndian = head[126] == 'M';
            int version = bigEndian ? head[124] << 8 | head[125] : head[125] << 8 | head[124];
            switch (version)
            {
                case 0x0100:
                    return new MatFile(path, stream, MatFileFormat.Level5, null, new Level5File(path, stream, bigEndian), null);
                case 0x0200:
                    return new MatFile(path, stream, MatFileFormat.Hdf5, null, null, new Hdf5MatFile(path, stream));
                default:
                    throw new MatFormatException(path, null, "byte 124", $"unknown MAT-file version 0x{version:X4} (level 5 is 0x0100, v7.3 is 0x0200)");
            }
        }
        if (Level4File.LooksLikeLevel4(head))
            return new MatFile(path, stream, MatFileFormat.Level4, new Level4File(path, stream), null, null);
        throw new MatFormatException(path, null, "byte 0", "not a MAT-file: neither a level 5/v7.3 header ('MATLAB 5.0 MAT-file' with IM/MI at byte 126) nor a valid level 4 matrix header");
    }

    /// <summary>Every variable's name, class and size, in file order (v7.3: name order), without values.</summary>
    public IReadOnlyList<MatVariableInfo> Variables =>
        _level5?.Variables ?? _level4?.Variables ?? _hdf5!.Variables;

    /// <summary>Decodes one top-level variable; <see cref="KeyNotFoundException"/> when there is none of that name.</summary>
    public MatVariable Read(string name)
    {
        if (!Variables.Any(v => v.Name == name)) throw new KeyNotFoundException($"{Path} has no variable '{name}'.");
        return _level5?.Read(_stream, name) ?? _level4?.Read(_stream, name) ?? _hdf5!.Read(name);
    }

    /// <summary>
    /// Decodes the value at a path such as <c>low_res.das</c>, or returns null when the file has no
    /// such value. In v7.3 files only the objects on the path are read; in level 5 files the
    /// top-level variable's element is decoded (it is one compressed block).
    /// </summary>
    public MatVariable? Read(MatPath path)
    {
        // v7.3: follow the links directly; listing every root member first would cost more than the read.
        if (_hdf5 is not null && path.FieldsOnly)
            return _hdf5.ReadField(path.Variable, path.Steps.Select(s => s.Field!).ToList());
        if (!Variables.Any(v => v.Name == path.Variable)) return null;
        return path.Resolve(Read(path.Variable));
    }

    public void Dispose()
    {
        _hdf5?.Dispose();
        _stream.Dispose();
    }
}

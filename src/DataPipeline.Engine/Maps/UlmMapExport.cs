using DataPipeline.Engine.IO;
using DataPipeline.Engine.Mat;
using PureHDF;
using ScottPlot;

namespace DataPipeline.Engine.Maps;

/// <summary>
/// Writes an <see cref="UlmMap"/> to disk, atomically. MAT and HDF5 hold the maps as [Height, Width]
/// doubles as MATLAB and numpy index them (density(r, c) and density[r, c] are map pixel r, c), NaN
/// where a map has no value; speed is in data pixels per step and direction in degrees.
/// </summary>
public static class UlmMapExport
{
    /// <summary>The format a file name implies (.png, .mat, .h5/.hdf5), or null when it implies none.</summary>
    public static UlmMapFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => UlmMapFormat.Png,
        ".mat" => UlmMapFormat.Mat,
        ".h5" or ".hdf5" => UlmMapFormat.Hdf5,
        _ => null,
    };

    public static void Write(UlmMap map, string path, UlmMapFormat format)
    {
        switch (format)
        {
            case UlmMapFormat.Png:
                AtomicFile.Write(path, temporary => UlmMapFigure.Create(map).SavePng(temporary, UlmMapFigure.Width, UlmMapFigure.Height));
                break;
            case UlmMapFormat.Mat:
                Level5Writer.Write(path,
                [
                    MatVariable.Doubles("density", ColumnMajor(map, map.Density), map.Height, map.Width),
                    MatVariable.Doubles("speed", ColumnMajor(map, map.Speed), map.Height, map.Width),
                    MatVariable.Doubles("direction", ColumnMajor(map, map.Direction), map.Height, map.Width),
                    MatVariable.Doubles("scale", [map.Scale], 1, 1),
                ]);
                break;
            case UlmMapFormat.Hdf5:
                ulong[] dims = [(ulong)map.Height, (ulong)map.Width];
                var file = new H5File
                {
                    Attributes = { ["scale"] = map.Scale, ["speed_unit"] = "data pixels per step", ["direction_unit"] = "degrees from +row towards +column" },
                    ["density"] = new H5Dataset(map.Density, fileDims: dims),
                    ["speed"] = new H5Dataset(map.Speed, fileDims: dims),
                    ["direction"] = new H5Dataset(map.Direction, fileDims: dims),
                };
                AtomicFile.Write(path, temporary => file.Write(temporary));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown map format.");
        }
    }

    // MATLAB stores arrays column-major; the maps are row-major.
    private static double[] ColumnMajor(UlmMap map, double[] values)
    {
        var result = new double[values.Length];
        for (int r = 0; r < map.Height; r++)
            for (int c = 0; c < map.Width; c++)
                result[c * map.Height + r] = values[r * map.Width + c];
        return result;
    }
}

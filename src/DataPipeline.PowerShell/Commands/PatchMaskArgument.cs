using System.Collections;
using System.Management.Automation;

namespace DataPipeline.PowerShell.Commands;

/// <summary>
/// A patch mask as a user writes it in PowerShell, turned into the engine's row-major bool[]: a
/// 2-D array (<c>[bool[,]]</c>, <c>[int[,]]</c>, <c>[double[,]]</c> ...), or an array of rows
/// (<c>@(@(0, 1), @(1, 1))</c>), non-zero or $true meaning allowed.
/// </summary>
internal static class PatchMaskArgument
{
    /// <summary>The mask and its height and width; ArgumentException naming what is wrong.</summary>
    public static (bool[] Mask, int Height, int Width) Convert(object value)
    {
        value = value is PSObject ps ? ps.BaseObject : value;
        if (value is Array { Rank: 2 } grid)
        {
            int h = grid.GetLength(0), w = grid.GetLength(1);
            var mask = new bool[h * w];
            for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) mask[i * w + j] = Allowed(grid.GetValue(i, j), i, j);
            return (mask, h, w);
        }
        if (value is IEnumerable rows and not string)
        {
            var list = rows.Cast<object>().Select(r => r is PSObject p ? p.BaseObject : r).ToList();
            if (list.Count > 0 && list.All(r => r is IEnumerable and not string))
            {
                var cells = list.Select(r => ((IEnumerable)r).Cast<object>().ToList()).ToList();
                int w = cells[0].Count;
                if (cells.Any(r => r.Count != w))
                    throw new ArgumentException($"-PatchMask rows differ in length ({string.Join(", ", cells.Select(r => r.Count).Distinct())}); give a rectangular array, one value per data pixel.");
                var mask = new bool[cells.Count * w];
                for (int i = 0; i < cells.Count; i++)
                for (int j = 0; j < w; j++) mask[i * w + j] = Allowed(cells[i][j], i, j);
                return (mask, cells.Count, w);
            }
        }
        throw new ArgumentException($"-PatchMask takes a 2-D array ([bool[,]], [int[,]]...) or an array of rows, one value per data pixel; got {value?.GetType().Name ?? "null"}.");
    }

    private static bool Allowed(object? cell, int i, int j)
    {
        cell = cell is PSObject ps ? ps.BaseObject : cell;
        return cell switch
        {
            bool b => b,
            IConvertible c when c is not string => System.Convert.ToDouble(c, System.Globalization.CultureInfo.InvariantCulture) != 0,
            _ => throw new ArgumentException($"-PatchMask holds '{cell}' at ({i}, {j}); use $true/$false or numbers (non-zero = allowed)."),
        };
    }
}

using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DataPipeline.Host;

/// <summary>
/// Writes pipeline output as one JSON array of the objects' public properties, for tools that read
/// dpsh's stdout. ConvertTo-Json is not in the engine package, hence this writer.
/// </summary>
internal static class JsonOutputWriter
{
    /// <summary>Objects nested deeper than this are written as their ToString(), which also ends cycles.</summary>
    public const int MaxDepth = 16;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Readable text for people reading logs; the output is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Our own depth limit applies first; this only has to leave room for it.
        MaxDepth = MaxDepth * 2 + 8,
    };

    public static void Write(Stream stream, IEnumerable<object?> objects)
    {
        using var writer = new Utf8JsonWriter(stream, Options);
        writer.WriteStartArray();
        foreach (var item in objects)
        {
            WriteValue(writer, item, depth: 1);
        }

        writer.WriteEndArray();
    }

    public static string Serialize(IEnumerable<object?> objects)
    {
        using var stream = new MemoryStream();
        Write(stream, objects);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, int depth)
    {
        var wrapper = value as PSObject;
        var raw = wrapper is null ? value : wrapper.BaseObject;

        switch (raw)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string or char or Guid or Uri or Version:
                writer.WriteStringValue(raw.ToString());
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                return;
            case float f:
                WriteFloatingPoint(writer, f);
                return;
            case double d:
                WriteFloatingPoint(writer, d);
                return;
            case decimal m:
                writer.WriteNumberValue(m);
                return;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(raw, CultureInfo.InvariantCulture));
                return;
            case ulong u:
                writer.WriteNumberValue(u);
                return;
            case BigInteger big:
                writer.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                return;
            case DateTime dateTime:
                writer.WriteStringValue(dateTime.ToString("O", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dateTimeOffset:
                writer.WriteStringValue(dateTimeOffset.ToString("O", CultureInfo.InvariantCulture));
                return;
            case TimeSpan timeSpan:
                writer.WriteStringValue(timeSpan.ToString("c", CultureInfo.InvariantCulture));
                return;
            case FileSystemInfo file:
                writer.WriteStringValue(file.FullName);
                return;
            // A type's or a script block's properties reach into the whole runtime; their names say it all.
            case Type type:
                writer.WriteStringValue(type.FullName);
                return;
            case ScriptBlock scriptBlock:
                writer.WriteStringValue(scriptBlock.ToString());
                return;
        }

        if (depth > MaxDepth)
        {
            writer.WriteStringValue(raw.ToString());
            return;
        }

        switch (raw)
        {
            case IDictionary dictionary:
                WriteDictionary(writer, dictionary, depth);
                break;
            case IEnumerable sequence:
                writer.WriteStartArray();
                foreach (var item in sequence)
                {
                    WriteValue(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteProperties(writer, wrapper ?? PSObject.AsPSObject(raw), depth);
                break;
        }
    }

    private static void WriteFloatingPoint(Utf8JsonWriter writer, double value)
    {
        // JSON has no NaN or infinities; these strings are what JavaScript's and Python's readers expect.
        if (double.IsNaN(value))
        {
            writer.WriteStringValue("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            writer.WriteStringValue("Infinity");
        }
        else if (double.IsNegativeInfinity(value))
        {
            writer.WriteStringValue("-Infinity");
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }

    private static void WriteFloatingPoint(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            // The float overload keeps 0.1f as 0.1 instead of widening it to 0.10000000149011612.
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteFloatingPoint(writer, (double)value);
        }
    }

    private static void WriteDictionary(Utf8JsonWriter writer, IDictionary dictionary, int depth)
    {
        writer.WriteStartObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
            WriteValue(writer, entry.Value, depth + 1);
        }

        writer.WriteEndObject();
    }

    private static void WriteProperties(Utf8JsonWriter writer, PSObject obj, int depth)
    {
        writer.WriteStartObject();
        foreach (var property in obj.Properties)
        {
            if (!property.IsGettable)
            {
                continue;
            }

            object? value;
            try
            {
                value = property.Value;
            }
            catch (Exception)
            {
                // A throwing getter says nothing about the other properties; keep the object.
                value = null;
            }

            writer.WritePropertyName(property.Name);
            WriteValue(writer, value, depth + 1);
        }

        writer.WriteEndObject();
    }
}

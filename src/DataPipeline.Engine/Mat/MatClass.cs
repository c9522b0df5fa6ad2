namespace DataPipeline.Engine.Mat;

/// <summary>MATLAB class names as MATLAB spells them (what <c>class(x)</c> returns).</summary>
public static class MatClass
{
    public const string Double = "double";
    public const string Single = "single";
    public const string Int8 = "int8";
    public const string UInt8 = "uint8";
    public const string Int16 = "int16";
    public const string UInt16 = "uint16";
    public const string Int32 = "int32";
    public const string UInt32 = "uint32";
    public const string Int64 = "int64";
    public const string UInt64 = "uint64";
    public const string Logical = "logical";
    public const string Char = "char";
    public const string Struct = "struct";
    public const string Cell = "cell";
    public const string FunctionHandle = "function_handle";
    public const string Object = "object";
    public const string Opaque = "opaque";

    public static bool IsFloatingPoint(string cls) => cls is Double or Single;

    public static bool IsInteger(string cls) =>
        cls is Int8 or UInt8 or Int16 or UInt16 or Int32 or UInt32 or Int64 or UInt64;

    /// <summary>Numeric in the sense of holding Real (and maybe Imag) values.</summary>
    public static bool HoldsNumbers(string cls) => IsFloatingPoint(cls) || IsInteger(cls) || cls == Logical;
}

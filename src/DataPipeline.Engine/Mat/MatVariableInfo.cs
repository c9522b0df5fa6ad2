namespace DataPipeline.Engine.Mat;

/// <summary>What listing a file tells about a variable without decoding its values.</summary>
public sealed record MatVariableInfo(string Name, string Class, int[] Dimensions, bool IsComplex, bool IsSparse)
{
    public override string ToString() =>
        $"{Name}: {string.Join("x", Dimensions)} {(IsSparse ? "sparse " : "")}{(IsComplex ? "complex " : "")}{Class}";
}

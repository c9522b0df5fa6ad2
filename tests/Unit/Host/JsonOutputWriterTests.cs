using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using DataPipeline.Host;
using Xunit;

namespace DataPipeline.Tests.Host;

public sealed class JsonOutputWriterTests
{
    private enum Phase
    {
        Training,
    }

    [Fact]
    public void NonFiniteNumbersBecomeStrings()
    {
        var json = Parse(double.NaN, double.PositiveInfinity, double.NegativeInfinity, float.NaN, 1.5, 0.1f, 42, 7L);

        Assert.Equal("NaN", json[0].GetString());
        Assert.Equal("Infinity", json[1].GetString());
        Assert.Equal("-Infinity", json[2].GetString());
        Assert.Equal("NaN", json[3].GetString());
        Assert.Equal(1.5, json[4].GetDouble());
        Assert.Equal("0.1", json[5].GetRawText());
        Assert.Equal(42, json[6].GetInt32());
        Assert.Equal(7, json[7].GetInt64());
    }

    [Fact]
    public void EnumsDatesAndDurationsUseInvariantText()
    {
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

        var json = Parse(Phase.Training, when, new DateTimeOffset(when), TimeSpan.FromSeconds(90), true, null);

        Assert.Equal("Training", json[0].GetString());
        Assert.Equal("2024-05-06T07:08:09.0000000Z", json[1].GetString());
        Assert.Equal("2024-05-06T07:08:09.0000000+00:00", json[2].GetString());
        Assert.Equal("00:01:30", json[3].GetString());
        Assert.True(json[4].GetBoolean());
        Assert.Equal(JsonValueKind.Null, json[5].ValueKind);
    }

    [Fact]
    public void CollectionsDictionariesAndFilesKeepTheirShape()
    {
        var dictionary = new Hashtable { ["loss"] = 0.25 };
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), "frames.mat"));

        var json = Parse(new[] { 1f, 2f }, new[,] { { 1, 2 }, { 3, 4 } }, dictionary, file);

        Assert.Equal([1.0, 2.0], json[0].EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([1, 2, 3, 4], json[1].EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0.25, json[2].GetProperty("loss").GetDouble());
        Assert.Equal(file.FullName, json[3].GetString());
    }

    [Fact]
    public void ObjectsBecomeTheirReadablePropertiesAndThrowingGettersBecomeNull()
    {
        var json = Parse(new Sample());

        var sample = json[0];
        Assert.Equal("frame", sample.GetProperty("Name").GetString());
        Assert.Equal(3, sample.GetProperty("Inner").GetProperty("Depth").GetInt32());
        Assert.Equal(JsonValueKind.Null, sample.GetProperty("Broken").ValueKind);
        Assert.False(sample.TryGetProperty("WriteOnly", out _));
    }

    [Fact]
    public void PSCustomObjectsBecomeTheirNoteProperties()
    {
        var custom = new PSObject();
        custom.Properties.Add(new PSNoteProperty("epoch", 2));
        custom.Properties.Add(new PSNoteProperty("phase", Phase.Training));

        var json = Parse(custom);

        Assert.Equal(2, json[0].GetProperty("epoch").GetInt32());
        Assert.Equal("Training", json[0].GetProperty("phase").GetString());
        Assert.Equal(2, json[0].EnumerateObject().Count());
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsWrittenAsText()
    {
        var json = Parse(new Chain(JsonOutputWriter.MaxDepth + 4));

        var node = json[0];
        for (var depth = 1; depth < JsonOutputWriter.MaxDepth; depth++)
        {
            node = node.GetProperty("Next");
        }

        Assert.Equal(JsonValueKind.String, node.GetProperty("Next").ValueKind);
    }

    private static JsonElement[] Parse(params object?[] objects)
    {
        using var document = JsonDocument.Parse(JsonOutputWriter.Serialize(objects));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public sealed class Sample
    {
        public string Name => "frame";

        public Nested Inner => new();

        public int Broken => throw new InvalidOperationException("not loaded");

        public int WriteOnly
        {
            set { }
        }
    }

    public sealed class Nested
    {
        public int Depth => 3;
    }

    public sealed class Chain(int remaining)
    {
        public int Remaining => remaining;

        public Chain? Next => remaining > 0 ? new Chain(remaining - 1) : null;

        public override string ToString() => $"Chain({remaining})";
    }
}

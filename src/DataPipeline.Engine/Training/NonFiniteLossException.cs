namespace DataPipeline.Engine.Training;

/// <summary>The loss or a gradient became NaN or infinite; the message names where.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);

namespace DataPipeline.Engine.Runtime;

/// <summary>
/// libtorch (the native tensor library under TorchSharp) could not be loaded. The message names
/// the missing library and the command that fixes it, instead of a bare DllNotFoundException.
/// </summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataPipeline.Engine.Runtime;

namespace DataPipeline.PowerShell.Completion;

/// <summary>-Device: auto, cpu, and cuda:N for the CUDA devices actually present.</summary>
public sealed class DeviceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var candidates = new List<(string, string)> { ("auto", "A CUDA device when one is available, else the CPU"), ("cpu", "The CPU") };
        try
        {
            foreach (var device in TrainingDevice.List())
            {
                if (device.Type == "CUDA" && device.Available) candidates.Add((device.Device, $"CUDA device {device.Index}"));
            }
        }
        catch (TorchUnavailableException)
        {
            // Without libtorch no CUDA device can be named; auto and cpu still complete, and the
            // cmdlet itself reports how to fix the load.
        }
        return Completions.Matching(wordToComplete, candidates);
    }
}

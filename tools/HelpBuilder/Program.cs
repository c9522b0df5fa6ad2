using DataPipeline.HelpBuilder;

// HelpBuilder <docs/help folder> <output folder> <assembly file name>
// Writes <assembly>-Help.xml (every <Verb-Noun>.md) and about_*.help.txt (every about_*.md).
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: HelpBuilder <markdown folder> <output folder> <assembly file name>");
    return 2;
}
try
{
    var written = HelpConverter.Build(args[0], args[1], args[2]);
    foreach (var file in written) Console.WriteLine($"HelpBuilder: wrote {file}");
    return 0;
}
catch (HelpFormatException e)
{
    // MSBuild's canonical error format, so the build names the file and line that is wrong.
    Console.Error.WriteLine($"{e.File}({e.Line}): error HELP001: {e.Message}");
    return 1;
}

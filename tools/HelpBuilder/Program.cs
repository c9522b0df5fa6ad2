using DataPipeline.HelpBuilder;

// HelpBuilder <docs/help folder> <output folder> <module assembly> <file listing its references>
// Writes <assembly file name>-Help.xml (every <Verb-Noun>.md, with syntax and parameter details
// read from the assembly) and about_*.help.txt (every about_*.md).
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: HelpBuilder <markdown folder> <output folder> <module assembly> <reference list file>");
    return 2;
}
try
{
    var references = File.ReadAllLines(args[3]).Where(l => l.Length > 0);
    var written = HelpConverter.Build(args[0], args[1], args[2], references);
    foreach (var file in written) Console.WriteLine($"HelpBuilder: wrote {file}");
    return 0;
}
catch (HelpFormatException e)
{
    // MSBuild's canonical error format, so the build names the file and line that is wrong.
    Console.Error.WriteLine($"{e.File}({e.Line}): error HELP001: {e.Message}");
    return 1;
}

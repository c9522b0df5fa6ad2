namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// The localisation counts and metrics of one scope (a time step, a frame, a sweep threshold, a
/// whole split) as flat properties, so PowerShell shows and sorts them without digging.
/// </summary>
public abstract class LocalisationScore(LocalisationCounts counts)
{
    public LocalisationCounts Counts { get; } = counts;
    public int TruePositives => Counts.TruePositives;
    public int FalsePositives => Counts.FalsePositives;
    public int FalseNegatives => Counts.FalseNegatives;
    public double Precision => Counts.Precision;
    public double Recall => Counts.Recall;
    public double F1 => Counts.F1;
    public double Jaccard => Counts.Jaccard;
    public double RmsePx => Counts.RmsePx;
}

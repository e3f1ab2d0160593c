namespace VidSearch.Index.Search;

/// <summary>
/// What an index's tuning measured at the setting it chose (nprobe, ef or candidate count): recall@k against exact
/// search on <see cref="SampleQueries"/> stored vectors used as queries, and on <see cref="TuningQueries"/> queries
/// from outside the store (text embeddings) and <see cref="GapShiftedQueries"/> stored vectors moved across the
/// modality gap when it was given some, for which target.
/// </summary>
/// <param name="Recall">Mean recall on the stored vectors as queries.</param>
/// <param name="TuningQueryRecall">Mean recall on the tuning queries; null when there were none.</param>
/// <param name="GapShiftedRecall">Mean recall on the gap-shifted stored vectors; null when there were none.</param>
public sealed record TuningMeasurement(double Recall, double TargetRecall, int SampleQueries, int TuningQueries, double? TuningQueryRecall, int GapShiftedQueries = 0, double? GapShiftedRecall = null)
{
    /// <summary>For an index too small to tune: every setting reaches every row.</summary>
    public static TuningMeasurement Trivial(double targetRecall) => new(1.0, targetRecall, 0, 0, null);

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Recall);
        writer.Write(TargetRecall);
        writer.Write(SampleQueries);
        writer.Write(TuningQueries);
        writer.Write(TuningQueryRecall ?? double.NaN);
        writer.Write(GapShiftedQueries);
        writer.Write(GapShiftedRecall ?? double.NaN);
    }

    internal static TuningMeasurement Read(BinaryReader reader)
    {
        var (recall, target, sample, tuningQueries, tuningQueryRecall) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble());
        var (shifted, shiftedRecall) = (reader.ReadInt32(), reader.ReadDouble());
        return new(recall, target, sample, tuningQueries, double.IsNaN(tuningQueryRecall) ? null : tuningQueryRecall, shifted, double.IsNaN(shiftedRecall) ? null : shiftedRecall);
    }
}

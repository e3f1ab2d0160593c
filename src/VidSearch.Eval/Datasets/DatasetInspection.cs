using VidSearch.Eval.Reports;

namespace VidSearch.Eval.Datasets;

/// <summary>Counts of one split of a dataset.</summary>
public sealed record SplitCounts(string Split, int Videos, int Present, int Missing, int Captions, int Labelled, int WithEvents, int WithChoices);

/// <summary>What `vidsearch datasets inspect` prints: per-split counts and the first missing videos.</summary>
public sealed record DatasetInspection(string Name, string Format, string Root, string Hash, string CaptionKind, int Classes,
    IReadOnlyList<SplitCounts> Splits, int MissingCount, IReadOnlyList<string> FirstMissing)
{
    public static DatasetInspection Of(VideoDataset dataset, int listMissing = 10)
    {
        var captions = dataset.CaptionsByVideo;
        var splits = dataset.Videos.GroupBy(v => v.Split, StringComparer.Ordinal)
            .Select(g => new SplitCounts(g.Key, g.Count(), g.Count(v => v.Exists), g.Count(v => !v.Exists), g.Sum(v => captions[v.Id].Count()),
                g.Count(v => v.Label is not null), g.Count(v => v.Events.Count > 0), g.Count(v => v.Choices.Count > 0)))
            .OrderBy(s => s.Split switch { "train" => 0, "val" => 1, "test" => 2, _ => 3 }).ThenBy(s => s.Split, StringComparer.Ordinal)
            .ToList();
        return new DatasetInspection(dataset.Name, dataset.Format, dataset.Root, dataset.Hash, dataset.CaptionKind, dataset.ClassNames.Count,
            splits, dataset.MissingVideos.Count, dataset.MissingVideos.Take(listMissing).ToList());
    }

    public ReportTable ToTable()
        => new($"{Name} ({Format}, hash {Hash})", ["split", "videos", "present", "missing", "captions", "labelled", "with events", "with choices"],
            Splits.Select(s => (IReadOnlyList<string>)[s.Split, .. new[] { s.Videos, s.Present, s.Missing, s.Captions, s.Labelled, s.WithEvents, s.WithChoices }
                .Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))]).ToList());
}

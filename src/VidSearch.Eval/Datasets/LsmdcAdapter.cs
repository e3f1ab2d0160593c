using System.Globalization;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// LSMDC: tab-separated files of "clip_id, start, end, start_aligned, end_aligned, sentence" (the sentence is the
/// last column): LSMDC16_annos_training.csv (train), LSMDC16_annos_val.csv (val) and
/// LSMDC16_challenge_1000_publictect.csv (the 1000-clip test). One caption per clip; clip files are found by id
/// (DIR/MOVIE/CLIP_ID.avi and the like).
/// </summary>
public sealed class LsmdcAdapter : IDatasetAdapter
{
    private static readonly (string Split, string File)[] Files =
    [
        ("train", "LSMDC16_annos_training.csv"), ("val", "LSMDC16_annos_val.csv"), ("test", "LSMDC16_challenge_1000_publictect.csv"),
    ];

    public string Format => "lsmdc";

    public string Description => "LSMDC: LSMDC16_annos_training.csv / _val.csv / challenge_1000_publictect.csv (tsv, sentence last)";

    public bool CanRead(string directory) => Files.Any(f => File.Exists(Path.Combine(directory, f.File)));

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        var index = DatasetFiles.IndexVideos(directory);
        var videos = new List<VideoEntry>();
        var captions = new List<CaptionEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (split, name) in Files)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file))
            {
                continue;
            }

            var lines = DatasetFiles.ReadLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                {
                    continue;
                }

                var fields = lines[i].Split('\t');
                if (fields.Length < 2 || fields[0].Trim().Length == 0)
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, $"{file} line {i + 1}", "expected tab-separated clip id, times and sentence");
                }

                string id = fields[0].Trim();
                if (!seen.Add(id))
                {
                    continue;
                }

                double? start = fields.Length >= 6 ? ParseTime(fields[1]) : null;
                double? end = fields.Length >= 6 ? ParseTime(fields[2]) : null;
                videos.Add(DatasetFiles.Locate(index, directory, id, split) with
                {
                    Duration = start is double s && end is double e && e > s ? e - s : null,
                });
                captions.Add(new CaptionEntry(id, fields[^1].Trim()));
            }
        }

        if (videos.Count == 0)
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "no LSMDC annotation file with rows");
        }

        return new VideoDataset("LSMDC", Format, directory, videos, captions);
    }

    /// <summary>"hh.mm.ss.fff" (LSMDC) or plain seconds; null when neither.</summary>
    public static double? ParseTime(string text)
    {
        text = text.Trim();
        var parts = text.Split('.');
        if (parts.Length == 4 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return int.Parse(parts[0], CultureInfo.InvariantCulture) * 3600 + int.Parse(parts[1], CultureInfo.InvariantCulture) * 60
                + int.Parse(parts[2], CultureInfo.InvariantCulture) + int.Parse(parts[3], CultureInfo.InvariantCulture) / Math.Pow(10, parts[3].Length);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) ? seconds : null;
    }
}

using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// Labelled action clips, in one of three layouts:
/// <list type="bullet">
/// <item>labels.tsv with a header naming "file" and "label" columns (optional "split"); other columns ignored;</item>
/// <item>a Kinetics CSV (header with label, youtube_id, time_start, time_end and optional split), files named
/// YOUTUBEID_START_END (6-digit zero-padded seconds) or YOUTUBEID;</item>
/// <item>one subfolder per class (UCF101 / HMDB51 style): DIR/CLASS/clip.avi; split "test".</item>
/// </list>
/// Class names come from the labels as written; pass a class list to fix the label set and its order.
/// </summary>
public sealed class ActionFolderAdapter : IDatasetAdapter
{
    public string Format => "actions";

    public string Description => "action clips: labels.tsv (file, label[, split]) or Kinetics CSV (label, youtube_id, time_start, time_end) or CLASS/clip subfolders";

    public bool CanRead(string directory)
        => File.Exists(Path.Combine(directory, "labels.tsv")) || FindKineticsCsv(directory) is not null;

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        string tsv = Path.Combine(directory, "labels.tsv");
        var videos = File.Exists(tsv) ? FromTsv(directory, tsv)
            : FindKineticsCsv(directory) is string csv ? FromKineticsCsv(directory, csv)
            : FromClassFolders(directory);
        if (videos.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, directory, "no labelled clips (labels.tsv, Kinetics CSV or class subfolders)");
        }

        return new VideoDataset(Path.GetFileName(directory), Format, directory, videos, []);
    }

    private static string? FindKineticsCsv(string directory)
        => Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.csv").Order(StringComparer.Ordinal).FirstOrDefault(f =>
                File.ReadLines(f).FirstOrDefault() is string header && header.Contains("youtube_id", StringComparison.Ordinal) && header.Contains("label", StringComparison.Ordinal))
            : null;

    private static List<VideoEntry> FromTsv(string directory, string file)
    {
        var lines = DatasetFiles.ReadLines(file);
        if (lines.Length == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "empty file");
        }

        var header = lines[0].Split('\t').Select(h => h.Trim()).ToList();
        int fileColumn = header.IndexOf("file"), labelColumn = header.IndexOf("label"), splitColumn = header.IndexOf("split");
        if (fileColumn < 0 || labelColumn < 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, $"{file} line 1", "the header needs \"file\" and \"label\" columns");
        }

        var videos = new List<VideoEntry>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var fields = lines[i].Split('\t');
            if (fields.Length <= Math.Max(fileColumn, labelColumn))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, $"{file} line {i + 1}", $"expected at least {Math.Max(fileColumn, labelColumn) + 1} tab-separated columns");
            }

            string path = Path.GetFullPath(Path.Combine(directory, fields[fileColumn].Trim()));
            string split = splitColumn >= 0 && splitColumn < fields.Length && fields[splitColumn].Trim().Length > 0 ? fields[splitColumn].Trim() : "test";
            videos.Add(new VideoEntry(Path.GetFileNameWithoutExtension(path), path, split) { Exists = File.Exists(path), Label = fields[labelColumn].Trim() });
        }

        return videos;
    }

    private static List<VideoEntry> FromKineticsCsv(string directory, string file)
    {
        var lines = DatasetFiles.ReadLines(file);
        var header = Csv.Split(lines[0]).Select(h => h.Trim()).ToList();
        int label = header.IndexOf("label"), youtube = header.IndexOf("youtube_id"), start = header.IndexOf("time_start"), end = header.IndexOf("time_end"), split = header.IndexOf("split");
        var index = DatasetFiles.IndexVideos(directory);
        var videos = new List<VideoEntry>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var f = Csv.Split(lines[i]);
            if (f.Count < header.Count)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, $"{file} line {i + 1}", $"expected {header.Count} columns, found {f.Count}");
            }

            string id = f[youtube];
            string stem = start >= 0 && end >= 0 && int.TryParse(f[start], out int s) && int.TryParse(f[end], out int e) ? $"{id}_{s:D6}_{e:D6}" : id;
            if (!index.ContainsKey(stem) && index.ContainsKey(id))
            {
                stem = id;
            }

            videos.Add(DatasetFiles.Locate(index, directory, stem, split >= 0 ? f[split] : "test") with { Label = f[label] });
        }

        return videos;
    }

    private static List<VideoEntry> FromClassFolders(string directory)
    {
        var videos = new List<VideoEntry>();
        foreach (string classDir in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            foreach (string file in Directory.EnumerateFiles(classDir).Order(StringComparer.Ordinal))
            {
                if (DatasetFiles.VideoExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    videos.Add(new VideoEntry(Path.GetFileNameWithoutExtension(file), file, "test") { Label = Path.GetFileName(classDir) });
                }
            }
        }

        return videos;
    }
}

using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// MSR-VTT. Two splits that must never share a table (PROTOCOL.md):
/// <list type="bullet">
/// <item>"msrvtt-1ka": test = the 1000 (video, sentence) pairs of MSRVTT_JSFUSION_test.csv
/// (key,vid_key,video_id,sentence); train = MSRVTT_train.9k.csv (else 7k) with the 20 captions per video of
/// MSRVTT_data.json when that file is there (train videos without it carry no captions).</item>
/// <item>"msrvtt-full": MSRVTT_data.json alone ("videos": [{video_id, split}], "sentences": [{video_id, caption}]):
/// 6513 train, 497 validate, 2990 test videos with 20 captions each.</item>
/// </list>
/// Video files are looked up by id anywhere below the folder (DIR, DIR/videos, DIR/videos/all, ...).
/// </summary>
public sealed class MsrvttAdapter(bool fullSplit) : IDatasetAdapter
{
    public const string TestList1kA = "MSRVTT_JSFUSION_test.csv";
    public const string DataJson = "MSRVTT_data.json";
    private static readonly string[] TrainLists = ["MSRVTT_train.9k.csv", "MSRVTT_train.7k.csv"];

    public string Format => fullSplit ? "msrvtt-full" : "msrvtt-1ka";

    public string Description => fullSplit
        ? "MSR-VTT full split: MSRVTT_data.json (2990 test videos x 20 captions)"
        : "MSR-VTT 1k-A: MSRVTT_JSFUSION_test.csv (1000 pairs) + MSRVTT_train.9k.csv/7k + MSRVTT_data.json captions";

    /// <summary>The train list that was used ("9k" or "7k"), or null; reports state it.</summary>
    public string? TrainListUsed { get; private set; }

    public bool CanRead(string directory)
        => fullSplit ? File.Exists(Path.Combine(directory, DataJson)) && !File.Exists(Path.Combine(directory, TestList1kA))
                     : File.Exists(Path.Combine(directory, TestList1kA));

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        var index = DatasetFiles.IndexVideos(directory);
        var videos = new List<VideoEntry>();
        var captions = new List<CaptionEntry>();
        string? dataJson = DatasetFiles.Find(directory, DataJson);
        if (fullSplit)
        {
            if (dataJson is null)
            {
                throw new VidSearchException(ErrorKind.NotFound, directory, $"{DataJson} not found (the full split needs it)");
            }

            var data = ReadDataJson(dataJson);
            foreach (var (id, split) in data.Splits)
            {
                videos.Add(DatasetFiles.Locate(index, directory, id, split == "validate" ? "val" : split));
            }

            captions.AddRange(data.Captions.Where(c => data.Splits.ContainsKey(c.VideoId)));
            return new VideoDataset("MSR-VTT full", Format, directory, videos, captions);
        }

        string testFile = DatasetFiles.Require(directory, "the 1k-A test list", TestList1kA);
        var testIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, sentence) in ReadJsFusion(testFile))
        {
            testIds.Add(id);
            videos.Add(DatasetFiles.Locate(index, directory, id, "test"));
            captions.Add(new CaptionEntry(id, sentence));
        }

        string? trainList = DatasetFiles.Find(directory, TrainLists);
        if (trainList is not null)
        {
            TrainListUsed = trainList.Contains("9k", StringComparison.Ordinal) ? "9k" : "7k";
            var trainIds = ReadIdList(trainList).Where(id => !testIds.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
            var trainSet = trainIds.ToHashSet(StringComparer.Ordinal);
            videos.AddRange(trainIds.Select(id => DatasetFiles.Locate(index, directory, id, "train")));
            if (dataJson is not null)
            {
                captions.AddRange(ReadDataJson(dataJson).Captions.Where(c => trainSet.Contains(c.VideoId)));
            }
        }

        string name = TrainListUsed is null ? "MSR-VTT 1k-A" : $"MSR-VTT 1k-A (train {TrainListUsed})";
        return new VideoDataset(name, Format, directory, videos, captions);
    }

    /// <summary>The (video_id, sentence) rows of MSRVTT_JSFUSION_test.csv, in file order.</summary>
    public static IReadOnlyList<(string VideoId, string Sentence)> ReadJsFusion(string file)
    {
        var lines = DatasetFiles.ReadLines(file);
        if (lines.Length == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "empty file");
        }

        var header = Csv.Split(lines[0]);
        int idColumn = header.IndexOf("video_id");
        int sentenceColumn = header.IndexOf("sentence");
        if (idColumn < 0 || sentenceColumn < 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, $"line 1: expected a header with video_id and sentence columns, found \"{lines[0]}\"");
        }

        var rows = new List<(string, string)>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var fields = Csv.Split(lines[i]);
            if (fields.Count < header.Count)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, $"{file} line {i + 1}", $"expected {header.Count} columns, found {fields.Count}");
            }

            // An unquoted sentence holding commas spills into extra fields: the sentence is the last column.
            string sentence = sentenceColumn == header.Count - 1 ? string.Join(",", fields.Skip(sentenceColumn)) : fields[sentenceColumn];
            rows.Add((fields[idColumn], sentence.Trim()));
        }

        if (rows.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "no rows after the header");
        }

        return rows;
    }

    /// <summary>Video ids of a one-column list with a "video_id" header (MSRVTT_train.9k.csv).</summary>
    public static IReadOnlyList<string> ReadIdList(string file)
    {
        var lines = DatasetFiles.ReadLines(file);
        var ids = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            string first = Csv.Split(lines[i])[0].Trim();
            if (first.Length == 0 || (i == 0 && first == "video_id"))
            {
                continue;
            }

            ids.Add(first);
        }

        return ids;
    }

    private sealed record DataJsonContent(Dictionary<string, string> Splits, List<CaptionEntry> Captions);

    private static DataJsonContent ReadDataJson(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var doc = JsonDocument.Parse(stream);
            var splits = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!doc.RootElement.TryGetProperty("videos", out var videos) || videos.ValueKind != JsonValueKind.Array
                || !doc.RootElement.TryGetProperty("sentences", out var sentences) || sentences.ValueKind != JsonValueKind.Array)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, file, "expected \"videos\" and \"sentences\" arrays");
            }

            foreach (var v in videos.EnumerateArray())
            {
                splits[v.GetProperty("video_id").GetString()!] = v.TryGetProperty("split", out var s) ? s.GetString()! : "unspecified";
            }

            var captions = sentences.EnumerateArray()
                .Select(s => new CaptionEntry(s.GetProperty("video_id").GetString()!, s.GetProperty("caption").GetString()!.Trim()))
                .ToList();
            return new DataJsonContent(splits, captions);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "malformed MSR-VTT annotation file: " + e.Message, e);
        }
    }
}

/// <summary>Minimal CSV field splitting (double-quoted fields with "" escapes).</summary>
internal static class Csv
{
    public static List<string> Split(string line, char separator = ',')
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}

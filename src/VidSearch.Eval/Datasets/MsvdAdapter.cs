using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// MSVD: a caption file of "VIDEO caption words" lines (AllVideoDescriptions.txt or captions.txt; lines starting
/// with # are comments) with about 40 captions per video, and split lists train_list.txt, val_list.txt,
/// test_list.txt (one id per line). youtube_mapping.txt ("youtube_id vidN" lines), when present, maps caption
/// ids to the file names. Without split lists every video is "test".
/// </summary>
public sealed class MsvdAdapter : IDatasetAdapter
{
    private static readonly string[] CaptionFiles = ["AllVideoDescriptions.txt", "captions.txt"];
    private static readonly (string Split, string File)[] SplitFiles = [("train", "train_list.txt"), ("val", "val_list.txt"), ("test", "test_list.txt")];

    public string Format => "msvd";

    public string Description => "MSVD: AllVideoDescriptions.txt (\"id caption\" lines) + train/val/test_list.txt";

    public bool CanRead(string directory) => DatasetFiles.Find(directory, CaptionFiles) is not null;

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        string captionFile = DatasetFiles.Require(directory, "MSVD caption file", CaptionFiles);
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        var fileNames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (DatasetFiles.Find(directory, "youtube_mapping.txt") is string mapFile)
        {
            foreach (string line in DatasetFiles.ReadLines(mapFile))
            {
                var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 2)
                {
                    mapping[parts[0]] = parts[1];
                    fileNames[parts[1]] = parts[0];
                }
            }
        }

        var order = new List<string>();
        var captions = new List<CaptionEntry>();
        var lines = DatasetFiles.ReadLines(captionFile);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length < 2)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, $"{captionFile} line {i + 1}", "expected \"video_id caption\"");
            }

            string id = mapping.GetValueOrDefault(parts[0], parts[0]);
            if (captions.Count == 0 || captions[^1].VideoId != id)
            {
                order.Add(id);
            }

            captions.Add(new CaptionEntry(id, parts[1]));
        }

        var split = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, file) in SplitFiles)
        {
            if (DatasetFiles.Find(directory, file) is string path)
            {
                foreach (string id in DatasetFiles.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0))
                {
                    split[mapping.GetValueOrDefault(id, id)] = name;
                }
            }
        }

        var index = DatasetFiles.IndexVideos(directory);
        var videos = order.Distinct(StringComparer.Ordinal)
            .Where(id => split.Count == 0 || split.ContainsKey(id))
            .Select(id => Locate(index, directory, id, split.GetValueOrDefault(id, "test"), fileNames))
            .ToList();
        var kept = videos.Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        return new VideoDataset("MSVD", Format, directory, videos, captions.Where(c => kept.Contains(c.VideoId)).ToList());
    }

    /// <summary>Files may be named by the id or by the YouTube name the id maps to.</summary>
    private static VideoEntry Locate(Dictionary<string, string> index, string directory, string id, string split, Dictionary<string, string> fileNames)
        => index.ContainsKey(id) || !fileNames.TryGetValue(id, out var name)
            ? DatasetFiles.Locate(index, directory, id, split)
            : DatasetFiles.Locate(index, directory, id, split, name);
}

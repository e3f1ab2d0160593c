using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// DiDeMo as paragraph retrieval: train_data.json, val_data.json, test_data.json, each a list of
/// {"video": "NAME.mov", "description": "...", "times": [[a, b], ...], ...}. The descriptions of a video are
/// concatenated in file order into one paragraph. Files are found by the name without its extension.
/// </summary>
public sealed class DidemoAdapter : IDatasetAdapter
{
    private static readonly (string Split, string File)[] Files = [("train", "train_data.json"), ("val", "val_data.json"), ("test", "test_data.json")];

    public string Format => "didemo";

    public string Description => "DiDeMo paragraphs: {train,val,test}_data.json lists of {video, description, times}";

    public bool CanRead(string directory) => Files.Any(f => File.Exists(Path.Combine(directory, f.File)));

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        var index = DatasetFiles.IndexVideos(directory);
        var videos = new List<VideoEntry>();
        var captions = new List<CaptionEntry>();
        foreach (var (split, name) in Files)
        {
            string file = Path.Combine(directory, name);
            if (!File.Exists(file))
            {
                continue;
            }

            var order = new List<string>();
            var sentences = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            try
            {
                using var stream = File.OpenRead(file);
                using var doc = JsonDocument.Parse(stream);
                int i = 0;
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    if (!item.TryGetProperty("video", out var v) || v.GetString() is not { Length: > 0 } video
                        || !item.TryGetProperty("description", out var d) || d.GetString() is not string description)
                    {
                        throw new VidSearchException(ErrorKind.InvalidInput, file, $"item {i} needs \"video\" and \"description\"");
                    }

                    i++;
                    if (!sentences.TryGetValue(video, out var list))
                    {
                        sentences[video] = list = [];
                        order.Add(video);
                    }

                    list.Add(description);
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, file, "malformed DiDeMo annotation file: " + e.Message, e);
            }

            foreach (string video in order)
            {
                string stem = DatasetFiles.VideoExtensions.Contains(Path.GetExtension(video).ToLowerInvariant()) ? Path.GetFileNameWithoutExtension(video) : video;
                videos.Add(DatasetFiles.Locate(index, directory, stem, split));
                captions.Add(new CaptionEntry(stem, Paragraph.Join(sentences[video])));
            }
        }

        if (videos.Count == 0)
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "no DiDeMo annotation file ({train,val,test}_data.json) with items");
        }

        return new VideoDataset("DiDeMo", Format, directory, videos, captions, captionKind: "paragraph");
    }
}

using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// ActivityNet Captions as paragraph retrieval: train.json and val_1.json (also accepted with an
/// "anet_captions_" prefix), each {video_id: {duration, timestamps, sentences}}. A video's sentences are
/// concatenated (trimmed, in order, joined by one space) into one paragraph caption. val_1 is the test split
/// (the convention of the retrieval papers); val_2 is not used. Video files are found as "v_ID" or "ID".
/// </summary>
public sealed class ActivityNetCaptionsAdapter : IDatasetAdapter
{
    private static readonly (string Split, string[] Names)[] Files =
    [
        ("train", ["train.json", "anet_captions_train.json"]),
        ("test", ["val_1.json", "anet_captions_val_1.json"]),
    ];

    public string Format => "activitynet";

    public string Description => "ActivityNet Captions paragraphs: train.json + val_1.json (test), {id: {duration, timestamps, sentences}}";

    public bool CanRead(string directory) => Files.Any(f => DatasetFiles.Find(directory, f.Names) is not null);

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        var index = DatasetFiles.IndexVideos(directory);
        var videos = new List<VideoEntry>();
        var captions = new List<CaptionEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool any = false;
        foreach (var (split, names) in Files)
        {
            string? file = DatasetFiles.Find(directory, names);
            if (file is null)
            {
                continue;
            }

            any = true;
            foreach (var (id, duration, sentences) in Read(file))
            {
                if (!seen.Add(id))
                {
                    continue;
                }

                string stem = index.ContainsKey(id) || !id.StartsWith("v_", StringComparison.Ordinal) || !index.ContainsKey(id[2..]) ? id : id[2..];
                videos.Add(DatasetFiles.Locate(index, directory, id, split, stem) with { Duration = duration });
                captions.Add(new CaptionEntry(id, Paragraph.Join(sentences)));
            }
        }

        if (!any)
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "no ActivityNet Captions file (train.json or val_1.json)");
        }

        return new VideoDataset("ActivityNet Captions", Format, directory, videos, captions, captionKind: "paragraph");
    }

    private static IEnumerable<(string Id, double? Duration, List<string> Sentences)> Read(string file)
    {
        var result = new List<(string, double?, List<string>)>();
        try
        {
            using var stream = File.OpenRead(file);
            using var doc = JsonDocument.Parse(stream);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, file, "expected a JSON object keyed by video id");
            }

            foreach (var video in doc.RootElement.EnumerateObject())
            {
                if (!video.Value.TryGetProperty("sentences", out var sentences) || sentences.ValueKind != JsonValueKind.Array)
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, file, $"video \"{video.Name}\" has no \"sentences\" array");
                }

                double? duration = video.Value.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : null;
                result.Add((video.Name, duration, sentences.EnumerateArray().Select(s => s.GetString() ?? string.Empty).ToList()));
            }
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "not valid JSON: " + e.Message, e);
        }

        return result;
    }
}

/// <summary>How the paragraph datasets join the sentences of a video into one query.</summary>
public static class Paragraph
{
    public static string Join(IEnumerable<string> sentences)
        => string.Join(" ", sentences.Select(s => s.Trim()).Where(s => s.Length > 0));
}

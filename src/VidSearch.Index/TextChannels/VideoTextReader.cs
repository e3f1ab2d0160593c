using System.Text.Json;
using VidSearch.Core;
using VidSearch.Index.Storage;

namespace VidSearch.Index.TextChannels;

/// <summary>The text found beside a video, and the problems met reading it (a bad sidecar never fails a video).</summary>
public sealed record VideoText(IReadOnlyList<TextEntry> Entries, IReadOnlyList<string> Warnings);

/// <summary>
/// Collects a video's text channels: its file name, a sidecar JSON (video.mp4 -> video.json with "title",
/// "tags" (array or comma-separated) and "description"), and subtitle files beside it (video.srt, video.vtt,
/// video.en.srt, ...).
/// </summary>
public static class VideoTextReader
{
    public static VideoText Read(string videoPath)
    {
        var entries = new List<TextEntry> { new(TextChannel.FileName, FileNameText(videoPath)) };
        var warnings = new List<string>();
        string directory = Path.GetDirectoryName(Path.GetFullPath(videoPath))!;
        string stem = Path.GetFileNameWithoutExtension(videoPath);

        string sidecar = Path.Combine(directory, stem + ".json");
        if (File.Exists(sidecar))
        {
            try
            {
                entries.AddRange(ParseSidecar(File.ReadAllText(sidecar), sidecar));
            }
            catch (VidSearchException e)
            {
                warnings.Add(e.Message);
            }
        }

        foreach (string subtitle in SubtitleFiles(directory, stem))
        {
            try
            {
                var cues = SubtitleParser.ParseFile(subtitle);
                if (cues.Count > 0)
                {
                    entries.Add(new TextEntry(TextChannel.Subtitles, string.Join(" ", cues.Select(c => c.Text))));
                }
            }
            catch (VidSearchException e)
            {
                warnings.Add(e.Message);
            }
        }

        return new VideoText(entries, warnings);
    }

    /// <summary>"my_holiday-video.2019" -> "my holiday video 2019".</summary>
    public static string FileNameText(string videoPath)
        => string.Join(' ', Path.GetFileNameWithoutExtension(videoPath).Split(['_', '-', '.', ' '], StringSplitOptions.RemoveEmptyEntries));

    public static IReadOnlyList<TextEntry> ParseSidecar(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"malformed JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, source, "sidecar JSON must be an object with title, tags, description");
            }

            var result = new List<TextEntry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                TextChannel? channel = property.Name.ToLowerInvariant() switch
                {
                    "title" => TextChannel.Title,
                    "tags" or "keywords" => TextChannel.Tags,
                    "description" or "caption" => TextChannel.Description,
                    _ => null,
                };
                if (channel is null)
                {
                    continue;
                }

                string text = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Array => string.Join(", ", property.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString())),
                    _ => throw new VidSearchException(ErrorKind.InvalidInput, source, $"'{property.Name}' must be a string or an array of strings"),
                };
                if (text.Trim().Length > 0)
                {
                    result.Add(new TextEntry(channel.Value, text.Trim()));
                }
            }

            return result;
        }
    }

    private static IEnumerable<string> SubtitleFiles(string directory, string stem)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory, stem + ".*")
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".srt" or ".vtt")
            .Where(f =>
            {
                string middle = Path.GetFileNameWithoutExtension(f)[stem.Length..];
                return middle.Length == 0 || (middle.StartsWith('.') && !middle[1..].Contains('.'));
            })
            .Order(StringComparer.Ordinal);
    }
}

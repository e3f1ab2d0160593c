using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// The manifest format of SYNTHETIC.md: DIR/manifest.jsonl, one JSON object per line with id, video, split
/// (required) and captions, label, events, group, choices/answer (optional). Unknown keys are ignored; rows
/// with "image" instead of "video" are image-text pretraining pairs and are skipped. Blank lines are allowed.
/// </summary>
public sealed class ManifestAdapter : IDatasetAdapter
{
    public const string FileName = "manifest.jsonl";

    public string Format => "manifest";

    public string Description => "manifest.jsonl (SYNTHETIC.md): id, video, split, captions, label, events, group, choices/answer";

    public bool CanRead(string directory) => File.Exists(Path.Combine(directory, FileName));

    public VideoDataset Load(string directory)
    {
        directory = DatasetFiles.RequireDirectory(directory);
        string file = DatasetFiles.Require(directory, "manifest", FileName);
        var videos = new List<VideoEntry>();
        var captions = new List<CaptionEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = DatasetFiles.ReadLines(file);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var row = new Row(file, i + 1, lines[i]);
            if (!row.Has("video") && row.Has("image"))
            {
                continue;
            }

            string id = row.RequiredString("id");
            string video = row.RequiredString("video");
            string split = row.RequiredString("split");
            if (seen.TryGetValue(id, out int firstLine))
            {
                throw row.Error($"duplicate id \"{id}\" (first on line {firstLine})");
            }

            seen[id] = i + 1;
            string path = Path.GetFullPath(Path.Combine(directory, video));
            var choices = row.StringList("choices");
            int? answer = row.OptionalInt("answer");
            if (answer is int a && (a < 0 || a >= choices.Count))
            {
                throw row.Error($"\"answer\" {a} is outside the {choices.Count} choices");
            }

            if (answer is null && choices.Count > 0)
            {
                throw row.Error("\"choices\" given without \"answer\"");
            }

            videos.Add(new VideoEntry(id, path, split)
            {
                Exists = File.Exists(path),
                Duration = row.OptionalDouble("duration"),
                Label = row.OptionalString("label"),
                Events = row.Events(),
                Group = row.OptionalString("group"),
                Choices = choices,
                Answer = answer,
            });
            foreach (string caption in row.StringList("captions"))
            {
                captions.Add(new CaptionEntry(id, caption));
            }
        }

        if (videos.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "no video rows (the manifest is empty)");
        }

        return new VideoDataset(Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar)), Format, directory, videos, captions);
    }

    /// <summary>One parsed line, with errors that name the file, the line and the key.</summary>
    private sealed class Row
    {
        private readonly string file;
        private readonly int line;
        private readonly JsonElement root;

        public Row(string file, int line, string text)
        {
            this.file = file;
            this.line = line;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw Error("not valid JSON: " + e.Message, e);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error($"expected a JSON object, found {root.ValueKind}");
            }
        }

        public VidSearchException Error(string cause, Exception? inner = null)
            => new(ErrorKind.InvalidInput, $"{file} line {line}", cause, inner);

        public bool Has(string key) => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

        public string RequiredString(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                throw Error($"missing required key \"{key}\"");
            }

            if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            {
                throw Error($"\"{key}\" must be a non-empty string");
            }

            return v.GetString()!;
        }

        public string? OptionalString(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Error($"\"{key}\" must be a string");
        }

        public int? OptionalInt(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : throw Error($"\"{key}\" must be an integer");
        }

        public double? OptionalDouble(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error($"\"{key}\" must be a number");
        }

        public IReadOnlyList<string> StringList(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                throw Error($"\"{key}\" must be an array of strings");
            }

            var list = new List<string>();
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw Error($"\"{key}\" must be an array of strings (found {item.ValueKind})");
                }

                list.Add(item.GetString()!);
            }

            return list;
        }

        public IReadOnlyList<TimedEvent> Events()
        {
            if (!root.TryGetProperty("events", out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                throw Error("\"events\" must be an array");
            }

            var events = new List<TimedEvent>();
            int index = 0;
            foreach (var e in v.EnumerateArray())
            {
                string where = $"events[{index++}]";
                if (e.ValueKind != JsonValueKind.Object)
                {
                    throw Error($"{where} must be an object");
                }

                if (!e.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String)
                {
                    throw Error($"{where} needs a string \"label\"");
                }

                if (!e.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Number
                    || !e.TryGetProperty("end", out var end) || end.ValueKind != JsonValueKind.Number)
                {
                    throw Error($"{where} needs numeric \"start\" and \"end\" (seconds)");
                }

                double s = start.GetDouble(), t = end.GetDouble();
                if (!(s >= 0) || !(t > s))
                {
                    throw Error($"{where} has start {s} and end {t}: need 0 <= start < end");
                }

                string? caption = e.TryGetProperty("caption", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                events.Add(new TimedEvent(label.GetString()!, s, t, caption));
            }

            return events;
        }
    }
}

using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Synthetic.Manifest;

/// <summary>A dataset read from its manifest: the folder that media paths are relative to, and the rows.</summary>
public sealed record ManifestDataset(string Folder, string ManifestPath, IReadOnlyList<ManifestRow> Rows)
{
    /// <summary>Absolute path of a row's video or image.</summary>
    public string MediaPath(ManifestRow row) => Path.GetFullPath(Path.Combine(Folder, row.Media));

    public IEnumerable<ManifestRow> Split(string split) => Rows.Where(r => r.Split == split);
}

/// <summary>
/// Reads manifest.jsonl files of any origin. Blank lines are skipped and unknown keys ignored; a malformed
/// line or a row missing what the format requires gives a <see cref="VidSearchException"/> naming file and line.
/// </summary>
public static class ManifestReader
{
    /// <summary>Reads a dataset from its folder (holding manifest.jsonl) or from the manifest file itself.</summary>
    public static ManifestDataset Read(string path)
    {
        string manifest = Directory.Exists(path) ? Path.Combine(path, ManifestWriter.FileName) : path;
        if (!File.Exists(manifest))
        {
            throw new VidSearchException(ErrorKind.NotFound, manifest, Directory.Exists(path) ? "the folder holds no manifest.jsonl" : "no such file");
        }

        var rows = new List<ManifestRow>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(manifest))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string where = $"{manifest}:{lineNumber}";
            ManifestRow? row;
            try
            {
                row = JsonSerializer.Deserialize<ManifestRow>(line, ManifestWriter.Json);
            }
            catch (JsonException e)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, where, $"not a valid manifest row ({FirstSentence(e.Message)})", e);
            }

            if (row is null)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, where, "the line is 'null', expected a JSON object");
            }

            Validate(row, where);
            if (!ids.Add(row.Id))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, where, $"id '{row.Id}' appears twice");
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, manifest, "the manifest holds no rows");
        }

        return new ManifestDataset(Path.GetDirectoryName(Path.GetFullPath(manifest))!, Path.GetFullPath(manifest), rows);
    }

    private static void Validate(ManifestRow row, string where)
    {
        void Fail(string cause) => throw new VidSearchException(ErrorKind.InvalidInput, where, cause);

        if (string.IsNullOrWhiteSpace(row.Id))
        {
            Fail("'id' is empty");
        }

        if (string.IsNullOrWhiteSpace(row.Split))
        {
            Fail($"row '{row.Id}': 'split' is empty");
        }

        if (string.IsNullOrWhiteSpace(row.Video) && string.IsNullOrWhiteSpace(row.Image))
        {
            Fail($"row '{row.Id}' has neither 'video' nor 'image'");
        }

        if (row.Frames is int frames && (frames < 1 || frames > 1024 || string.IsNullOrWhiteSpace(row.Image)))
        {
            Fail($"row '{row.Id}': 'frames' ({frames}) must be in 1..1024 and belongs to an 'image' row (a film strip)");
        }

        if (row.Captions is { } captions && captions.Any(string.IsNullOrWhiteSpace))
        {
            Fail($"row '{row.Id}': a caption is empty");
        }

        if (row.Answer is int answer && (row.Choices is null || answer < 0 || answer >= row.Choices.Count))
        {
            Fail($"row '{row.Id}': 'answer' {answer} does not index 'choices' ({row.Choices?.Count ?? 0} given)");
        }

        if (row.Choices is not null && row.Answer is null)
        {
            Fail($"row '{row.Id}': 'choices' without 'answer'");
        }

        foreach (var e in row.Events ?? [])
        {
            if (string.IsNullOrWhiteSpace(e.Label) || !double.IsFinite(e.Start) || !double.IsFinite(e.End) || e.Start < 0 || e.End <= e.Start)
            {
                Fail($"row '{row.Id}': event '{e.Label}' [{e.Start}, {e.End}] needs a label and 0 <= start < end");
            }
        }
    }

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>
/// Class-name lists of the action benchmarks (Kinetics-400/600/700, UCF101, HMDB51, SSv2, ActivityNet), in the
/// formats they ship in: one name per line (mmaction2 label maps; the line order is the class index),
/// "INDEX NAME" lines (UCF101 classInd.txt), a CSV with an id,name header (Kinetics), or a JSON object
/// {"name": "index"} (something-something-v2 labels.json). Names are returned in index order, verbatim;
/// <see cref="ToPromptText"/> turns them into text for prompts.
/// </summary>
public static class ClassList
{
    public static IReadOnlyList<string> Load(string file)
    {
        if (!File.Exists(file))
        {
            throw new VidSearchException(ErrorKind.NotFound, file, "class list not found");
        }

        string text = File.ReadAllText(file).TrimStart('\uFEFF');
        if (text.TrimStart().StartsWith('{'))
        {
            return FromJson(file, text);
        }

        var lines = text.Split('\n').Select(l => l.Trim('\r', ' ', '\t')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "the class list is empty");
        }

        IReadOnlyList<string> names;
        if (lines[0].Equals("id,name", StringComparison.OrdinalIgnoreCase))
        {
            names = lines.Skip(1).Select(l => l[(l.IndexOf(',') + 1)..].Trim().Trim('"')).ToList();
        }
        else if (lines.All(l => l.Split(' ', 2) is [var n, _] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            names = lines.Select(l => l.Split(' ', 2)).OrderBy(p => int.Parse(p[0], CultureInfo.InvariantCulture)).Select(p => p[1].Trim()).ToList();
        }
        else
        {
            names = lines;
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, $"class \"{duplicate.Key}\" is listed twice");
        }

        return names;
    }

    private static IReadOnlyList<string> FromJson(string file, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.EnumerateObject()
                .Select(p => (Name: p.Name, Index: p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetInt32() : int.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture)))
                .OrderBy(p => p.Index).Select(p => p.Name).ToList();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "expected a JSON object {\"class name\": index}: " + e.Message, e);
        }
    }

    /// <summary>
    /// The words of a class name for a prompt: "ApplyEyeMakeup" -> "apply eye makeup", "brush_hair" -> "brush hair",
    /// "Approaching [something] with your camera" -> "approaching something with your camera".
    /// Acronyms stay together ("BMX", "YoYo" -> "yo yo").
    /// </summary>
    public static string ToPromptText(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c is '_' or '-' && !(i > 0 && char.IsLetter(name[i - 1]) && c == '-' && i + 1 < name.Length && char.IsLower(name[i + 1])))
            {
                sb.Append(' ');
                continue;
            }

            if (c is '[' or ']')
            {
                continue;
            }

            bool boundary = i > 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || (char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (boundary && sb.Length > 0 && sb[^1] != ' ')
            {
                sb.Append(' ');
            }

            sb.Append(c);
        }

        string words = string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return words.All(ch => !char.IsLetter(ch) || char.IsUpper(ch)) ? words : words.ToLowerInvariant();
    }
}

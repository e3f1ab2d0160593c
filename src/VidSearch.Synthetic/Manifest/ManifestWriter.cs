using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VidSearch.Synthetic.Manifest;

/// <summary>Writes manifest.jsonl files: one compact JSON object per line, UTF-8, '\n' line ends, null keys left out.</summary>
public static class ManifestWriter
{
    public const string FileName = "manifest.jsonl";

    internal static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(ManifestRow row) => JsonSerializer.Serialize(row, Json);

    /// <summary>Writes the rows to <paramref name="path"/> (a file, or a folder that gets manifest.jsonl) through a temporary name.</summary>
    public static string Write(string path, IEnumerable<ManifestRow> rows)
    {
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, FileName);
        }

        string temp = path + ".partial";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            writer.NewLine = "\n";
            foreach (var row in rows)
            {
                writer.WriteLine(Serialize(row));
            }
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }
}

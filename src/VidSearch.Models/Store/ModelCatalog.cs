using System.Text.Json;
using System.Text.Json.Serialization;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>One file of a known checkpoint. Size and SHA-256 are null where no trustworthy published value exists.</summary>
public sealed record CatalogFile(string Path, long? Size, string? Sha256, string? Revision = null);

/// <summary>A checkpoint <c>models pull</c> knows: where its files live (a Hugging Face repository at a revision) and how to check them.</summary>
public sealed record CatalogEntry(
    string Name,
    string Description,
    string Repo,
    string Revision,
    string Format,
    string? SourceNote,
    IReadOnlyList<CatalogFile> Files)
{
    /// <summary>Total bytes when every size is known.</summary>
    [JsonIgnore]
    public long? TotalSize => Files.All(f => f.Size is not null) ? Files.Sum(f => f.Size!.Value) : null;

    /// <summary>URL of a file under a Hugging Face compatible base (https://huggingface.co or a mirror with the same layout).</summary>
    public Uri UrlOf(CatalogFile file, string baseUrl)
        => new($"{baseUrl.TrimEnd('/')}/{Repo}/resolve/{file.Revision ?? Revision}/{file.Path}");
}

/// <summary>The catalog of known checkpoints, embedded in the assembly (Store/catalog.json).</summary>
public sealed class ModelCatalog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private ModelCatalog(IReadOnlyList<CatalogEntry> entries) => Entries = entries;

    public IReadOnlyList<CatalogEntry> Entries { get; }

    public static ModelCatalog Load()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream("VidSearch.Models.Store.catalog.json")
            ?? throw new InvalidOperationException("the embedded model catalog is missing");
        return Parse(stream, "embedded catalog");
    }

    /// <summary>Reads a catalog in the same JSON layout (tests, private mirrors).</summary>
    public static ModelCatalog Parse(Stream json, string source)
    {
        CatalogDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<CatalogDocument>(json, Json);
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"malformed model catalog ({e.Message})", e);
        }

        var entries = doc?.Models ?? [];
        foreach (var e in entries)
        {
            if (string.IsNullOrWhiteSpace(e.Name) || string.IsNullOrWhiteSpace(e.Repo) || e.Files is null || e.Files.Count == 0)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, source, $"catalog entry \"{e.Name}\" lacks a name, repository or files");
            }

            foreach (var f in e.Files)
            {
                ModelStore.ValidateRelativePath(f.Path, source);
                if (f.Sha256 is not null && (f.Sha256.Length != 64 || !f.Sha256.All(Uri.IsHexDigit)))
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, source, $"{e.Name}/{f.Path}: sha256 must be 64 hexadecimal digits");
                }
            }
        }

        return new ModelCatalog(entries);
    }

    public CatalogEntry? Find(string name) => Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    private sealed record CatalogDocument(List<CatalogEntry>? Models);
}

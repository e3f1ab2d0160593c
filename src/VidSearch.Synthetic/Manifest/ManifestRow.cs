using System.Text.Json.Serialization;

namespace VidSearch.Synthetic.Manifest;

/// <summary>
/// One row of a dataset's manifest.jsonl (SYNTHETIC.md, "Dataset format"): `id`, `split` and one of
/// `video`/`image` (relative to the dataset folder) are required; the rest is optional and a task runs
/// only on the rows that carry what it needs.
/// </summary>
public sealed record ManifestRow
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("video")]
    public string? Video { get; init; }

    [JsonPropertyName("image")]
    public string? Image { get; init; }

    /// <summary>
    /// For an image row: the image is a film strip of this many frames of equal width side by side, in time order
    /// (a short clip stored as one image). Absent = a single still.
    /// </summary>
    [JsonPropertyName("frames")]
    public int? Frames { get; init; }

    [JsonPropertyName("split")]
    public required string Split { get; init; }

    [JsonPropertyName("captions")]
    public IReadOnlyList<string>? Captions { get; init; }

    [JsonPropertyName("label")]
    public string? Label { get; init; }

    [JsonPropertyName("events")]
    public IReadOnlyList<ManifestEvent>? Events { get; init; }

    [JsonPropertyName("group")]
    public string? Group { get; init; }

    /// <summary>
    /// Rows with the same unit are trained in one batch, as hard negatives of each other (a still and its mirror twin).
    /// An extension of the format for pretraining data; absent = the row stands alone (strips batch by group).
    /// </summary>
    [JsonPropertyName("unit")]
    public string? Unit { get; init; }

    [JsonPropertyName("choices")]
    public IReadOnlyList<string>? Choices { get; init; }

    [JsonPropertyName("answer")]
    public int? Answer { get; init; }

    /// <summary>The video or image path as written in the manifest (relative to the dataset folder).</summary>
    [JsonIgnore]
    public string Media => Video ?? Image ?? throw new InvalidOperationException($"row {Id} has neither video nor image");
}

/// <summary>An event at a known time: label, start and end in seconds, and a caption.</summary>
public sealed record ManifestEvent
{
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    [JsonPropertyName("start")]
    public required double Start { get; init; }

    [JsonPropertyName("end")]
    public required double End { get; init; }

    [JsonPropertyName("caption")]
    public string? Caption { get; init; }
}

/// <summary>The standard split names.</summary>
public static class Splits
{
    public const string Train = "train";
    public const string Val = "val";
    public const string Test = "test";
}

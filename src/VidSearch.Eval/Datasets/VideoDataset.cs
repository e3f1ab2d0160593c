using System.Security.Cryptography;
using System.Text;

namespace VidSearch.Eval.Datasets;

/// <summary>An event of a video at a known time (seconds), with its class label and optional caption.</summary>
public sealed record TimedEvent(string Label, double Start, double End, string? Caption = null);

/// <summary>
/// One video of a dataset. <see cref="Path"/> is absolute; <see cref="Exists"/> says whether the file was found
/// when the dataset was loaded (datasets often ship without part of their videos).
/// </summary>
public sealed record VideoEntry(string Id, string Path, string Split)
{
    public double? Duration { get; init; }

    public bool Exists { get; init; } = true;

    public string? Label { get; init; }

    public IReadOnlyList<TimedEvent> Events { get; init; } = [];

    public string? Group { get; init; }

    public IReadOnlyList<string> Choices { get; init; } = [];

    public int? Answer { get; init; }
}

/// <summary>A caption (or a paragraph, for paragraph retrieval) of one video.</summary>
public sealed record CaptionEntry(string VideoId, string Text);

/// <summary>
/// A dataset as every adapter produces it: videos with their split, captions (several per video allowed),
/// labels, timed events, groups and multiple-choice questions. Videos whose file is absent are kept in
/// <see cref="Videos"/> with <c>Exists = false</c> and listed in <see cref="MissingVideos"/>: tasks evaluate
/// what exists and reports say how much was missing, never silently.
/// </summary>
public sealed class VideoDataset
{
    public VideoDataset(string name, string format, string root, IReadOnlyList<VideoEntry> videos, IReadOnlyList<CaptionEntry> captions,
        IReadOnlyList<string>? classNames = null, string? captionKind = null)
    {
        Name = name;
        Format = format;
        Root = root;
        Videos = videos;
        Captions = captions;
        ClassNames = classNames ?? videos.Select(v => v.Label).Concat(videos.SelectMany(v => v.Events.Select(e => e.Label)))
            .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        HasClassList = classNames is not null;
        CaptionKind = captionKind ?? "sentence";
        MissingVideos = videos.Where(v => !v.Exists).Select(v => v.Id).ToList();
        Hash = ComputeHash();
    }

    public string Name { get; }

    /// <summary>The adapter that read it: "manifest", "msrvtt-1ka", "activitynet", ...</summary>
    public string Format { get; }

    public string Root { get; }

    public IReadOnlyList<VideoEntry> Videos { get; }

    public IReadOnlyList<CaptionEntry> Captions { get; }

    /// <summary>"sentence" or "paragraph" (sentences of a video concatenated into one query).</summary>
    public string CaptionKind { get; }

    /// <summary>The class names: an explicit class list when one was given, else every label and event label, sorted.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Whether <see cref="ClassNames"/> is an explicit class list (e.g. the 400 Kinetics classes).</summary>
    public bool HasClassList { get; }

    /// <summary>
    /// The same dataset recognised against an explicit class list (e.g. from <see cref="ClassList.Load"/>), so that
    /// zero-shot recognition ranks among every class of the benchmark, not only those present in the folder.
    /// </summary>
    public VideoDataset WithClassList(IReadOnlyList<string> classNames)
    {
        if (classNames.Count == 0)
        {
            throw VidSearch.Core.VidSearchException.Argument("class list", "empty");
        }

        return new VideoDataset(Name, Format, Root, Videos, Captions, classNames, CaptionKind);
    }

    /// <summary>Ids of the videos whose file was not found.</summary>
    public IReadOnlyList<string> MissingVideos { get; }

    /// <summary>SHA-256 (hex, 16 chars) of the annotations: ids, splits, captions, labels, events, choices.</summary>
    public string Hash { get; }

    public IReadOnlyList<string> Splits => Videos.Select(v => v.Split).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The videos of one split (null: all), keeping only existing files unless asked otherwise.</summary>
    public IReadOnlyList<VideoEntry> VideosOf(string? split, bool existingOnly = true)
        => Videos.Where(v => (split is null || v.Split == split) && (!existingOnly || v.Exists)).ToList();

    public IReadOnlyList<string> MissingOf(string? split)
        => Videos.Where(v => (split is null || v.Split == split) && !v.Exists).Select(v => v.Id).ToList();

    public ILookup<string, CaptionEntry> CaptionsByVideo => captionsByVideo ??= Captions.ToLookup(c => c.VideoId, StringComparer.Ordinal);

    private ILookup<string, CaptionEntry>? captionsByVideo;

    private string ComputeHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? s)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(s ?? "\u0000"));
            sha.AppendData([0x1f]);
        }

        Add(Format);
        foreach (var v in Videos)
        {
            Add(v.Id); Add(v.Split); Add(v.Label); Add(v.Group);
            foreach (var e in v.Events)
            {
                Add(e.Label); Add(e.Start.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); Add(e.End.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); Add(e.Caption);
            }

            foreach (var c in v.Choices)
            {
                Add(c);
            }

            Add(v.Answer?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var c in Captions)
        {
            Add(c.VideoId); Add(c.Text);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}

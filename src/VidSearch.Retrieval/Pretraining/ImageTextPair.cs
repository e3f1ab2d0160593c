namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// One image with its captions, as in a manifest row with "image" in place of "video". <see cref="Frames"/> &gt; 1:
/// the image is a film strip of that many frames side by side in time order (a short clip, for video-text
/// pretraining).
/// For a still, rows with the same <see cref="Group"/> show the same content: they are positives of each other in
/// training and equivalent answers in evaluation. For a strip, the group holds clips that belong together (a clip and
/// its reversed twin): they share a batch as hard negatives of each other. Null group = the row stands alone.
/// Rows with the same <see cref="Unit"/> (e.g. a still and its mirror twin) also share a batch as hard negatives.
/// </summary>
public sealed record ImageTextPair(string Id, string ImagePath, IReadOnlyList<string> Captions, string Split, string? Group = null, int Frames = 1, string? Unit = null)
{
    public bool IsStrip => Frames > 1;

    /// <summary>The key of the rows this one is always batched with: its unit, else a strip's group; null = alone.</summary>
    public string? BatchKey => Unit ?? (IsStrip ? Group : null);
}

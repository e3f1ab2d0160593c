namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// One still image with its captions, as in a manifest row with "image" in place of "video".
/// Rows with the same <see cref="Group"/> show the same content: they are positives of each other in training and
/// equivalent answers in evaluation. Null group = the row is only equivalent to itself.
/// </summary>
public sealed record ImageTextPair(string Id, string ImagePath, IReadOnlyList<string> Captions, string Split, string? Group = null);

namespace VidSearch.Models.Tokenization;

/// <summary>Turns texts into fixed-length token id rows for a text encoder.</summary>
public interface ITokenizer
{
    /// <summary>Context length of the rows produced (77 for CLIP), start and end tokens included.</summary>
    int ContextLength { get; }

    /// <summary>Encodes a batch: ids padded with 0 after the end token, truncated so the end token is kept.</summary>
    TokenBatch EncodeBatch(IReadOnlyList<string> texts, int? contextLength = null);
}

/// <summary>
/// Token ids of a batch, row-major [Count x Length], with the attention mask (1 up to and including the
/// end token) and the position of each row's end token (where CLIP takes the text feature).
/// </summary>
public sealed record TokenBatch(long[] Ids, long[] AttentionMask, int[] EndPositions, int Count, int Length)
{
    public ReadOnlySpan<long> Row(int index) => new(Ids, index * Length, Length);

    /// <summary>The longest used prefix in the batch: the text encoder only needs to run this far.</summary>
    public int UsedLength => EndPositions.Length == 0 ? 0 : EndPositions.Max() + 1;
}

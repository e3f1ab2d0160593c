using System.Text;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// Applies CLIP's merges to one word: the word's UTF-8 bytes become byte-level symbols (the last one with
/// "&lt;/w&gt;"), then, repeatedly, every occurrence of the adjacent pair with the lowest merge rank is merged,
/// left to right, until no pair has a rank. A heap keyed by (rank, position) makes long words O(n log n); one
/// round merges all occurrences of one pair, as the reference's loop does.
/// </summary>
internal sealed class BytePairEncoder(ClipVocabulary vocabulary)
{
    private readonly ClipVocabulary _vocabulary = vocabulary;

    public int[] Encode(ReadOnlySpan<char> word)
    {
        int byteCount = Encoding.UTF8.GetByteCount(word);
        Span<byte> bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(word, bytes);
        int n = bytes.Length;
        if (n == 0)
        {
            return [];
        }

        var symbols = new int[n];
        for (int k = 0; k < n - 1; k++)
        {
            symbols[k] = _vocabulary.ByteIds[bytes[k]];
        }

        symbols[n - 1] = _vocabulary.ByteEndIds[bytes[n - 1]];
        if (n == 1)
        {
            return symbols;
        }

        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (int k = 0; k < n; k++)
        {
            next[k] = k + 1 < n ? k + 1 : -1;
            prev[k] = k - 1;
            alive[k] = true;
        }

        var heap = new PriorityQueue<(int Left, int LeftId, int RightId), (int Rank, int Position)>();
        for (int k = 0; k < n - 1; k++)
        {
            Push(heap, k, symbols[k], symbols[k + 1]);
        }

        while (heap.TryPeek(out _, out var top))
        {
            int rank = top.Rank;
            while (heap.TryPeek(out var entry, out var priority) && priority.Rank == rank)
            {
                heap.Dequeue();
                int left = entry.Left;
                int right = alive[left] ? next[left] : -1;
                if (right < 0 || symbols[left] != entry.LeftId || symbols[right] != entry.RightId)
                {
                    continue; // stale: one of the two symbols has been merged since
                }

                _vocabulary.TryMerge(entry.LeftId, entry.RightId, out _, out int merged);
                symbols[left] = merged;
                alive[right] = false;
                next[left] = next[right];
                if (next[right] >= 0)
                {
                    prev[next[right]] = left;
                }

                if (prev[left] >= 0)
                {
                    Push(heap, prev[left], symbols[prev[left]], merged);
                }

                if (next[left] >= 0)
                {
                    Push(heap, left, merged, symbols[next[left]]);
                }
            }
        }

        var result = new List<int>(n);
        for (int k = 0; k >= 0; k = next[k])
        {
            result.Add(symbols[k]);
        }

        return result.ToArray();
    }

    private void Push(PriorityQueue<(int, int, int), (int, int)> heap, int left, int leftId, int rightId)
    {
        if (_vocabulary.TryMerge(leftId, rightId, out int rank, out _))
        {
            heap.Enqueue((left, leftId, rightId), (rank, left));
        }
    }
}

namespace VidSearch.Index.Search;

/// <summary>One result of a vector search: the row position in the store and its similarity.</summary>
public readonly record struct VectorHit(int Position, float Score);

/// <summary>
/// Keeps the k best (highest score) hits seen so far in a bounded min-heap: O(log k) per accepted hit, no
/// allocation per candidate. Ties go to the lower position so results are deterministic.
/// </summary>
public sealed class TopK
{
    private readonly VectorHit[] _heap;

    public TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _heap = new VectorHit[k];
    }

    public int Capacity => _heap.Length;

    public int Count { get; private set; }

    /// <summary>The score a new hit must beat to enter (negative infinity until full).</summary>
    public float Threshold => Count < _heap.Length ? float.NegativeInfinity : _heap[0].Score;

    public void Add(int position, float score)
    {
        if (float.IsNaN(score))
        {
            return;
        }

        var hit = new VectorHit(position, score);
        if (Count < _heap.Length)
        {
            _heap[Count] = hit;
            SiftUp(Count++);
        }
        else if (Better(hit, _heap[0]))
        {
            _heap[0] = hit;
            SiftDown(0);
        }
    }

    /// <summary>Adds a block of consecutive positions starting at <paramref name="firstPosition"/>.</summary>
    public void AddRange(int firstPosition, ReadOnlySpan<float> scores)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            if (Count < _heap.Length || scores[i] > _heap[0].Score || scores[i] == _heap[0].Score)
            {
                Add(firstPosition + i, scores[i]);
            }
        }
    }

    public void AddAll(TopK other)
    {
        for (int i = 0; i < other.Count; i++)
        {
            Add(other._heap[i].Position, other._heap[i].Score);
        }
    }

    /// <summary>The hits, best first.</summary>
    public VectorHit[] ToSortedArray()
    {
        var result = _heap.AsSpan(0, Count).ToArray();
        Array.Sort(result, (a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
        return result;
    }

    private static bool Better(VectorHit a, VectorHit b) => a.Score > b.Score || (a.Score == b.Score && a.Position < b.Position);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(_heap[parent], _heap[i]))
            {
                break;
            }

            (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = 2 * i + 1;
            if (left >= Count)
            {
                break;
            }

            int worst = left;
            int right = left + 1;
            if (right < Count && Better(_heap[left], _heap[right]))
            {
                worst = right;
            }

            if (!Better(_heap[i], _heap[worst]))
            {
                break;
            }

            (_heap[i], _heap[worst]) = (_heap[worst], _heap[i]);
            i = worst;
        }
    }
}

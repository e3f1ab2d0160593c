using System.Runtime.CompilerServices;

namespace VidSearch.Index.Search;

/// <summary>
/// Collects the <see cref="Capacity"/> best-scoring of many candidates, for candidate counts in the thousands where a
/// heap's O(log k) sift per accepted hit dominates a scan. Hits above the current threshold are appended to a buffer
/// twice the capacity; when it fills, a quickselect keeps the best half and raises the threshold to the worst hit kept.
/// Each accepted hit costs O(1) amortised. Order: higher score first, ties to the lower position (as <see cref="TopK"/>),
/// so the kept set does not depend on the order of arrival.
/// </summary>
public sealed class CandidateBuffer
{
    private readonly VectorHit[] _items;
    private int _size;
    private float _threshold = float.NegativeInfinity;

    /// <param name="threshold">Hits must score above this from the start (a warm start that skips the buffer's early cuts).</param>
    public CandidateBuffer(int capacity, float threshold = float.NegativeInfinity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _threshold = threshold;
        _items = new VectorHit[Math.Max(2 * capacity, 64)];
    }

    public int Capacity { get; }

    /// <summary>Hits held now (up to twice <see cref="Capacity"/> until <see cref="ToArray"/> trims them).</summary>
    public int Count => _size;

    /// <summary>A hit must score above this to be kept (the constructor's until the buffer is thinned for the first time).</summary>
    public float Threshold => _threshold;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int position, float score)
    {
        if (score > _threshold)
        {
            _items[_size++] = new VectorHit(position, score);
            if (_size == _items.Length)
            {
                Thin();
            }
        }
    }

    public void AddAll(CandidateBuffer other)
    {
        for (int i = 0; i < other._size; i++)
        {
            Add(other._items[i].Position, other._items[i].Score);
        }
    }

    /// <summary>The best <see cref="Capacity"/> hits (fewer when fewer were added), in no particular order.</summary>
    public VectorHit[] ToArray()
    {
        if (_size > Capacity)
        {
            Cut();
        }

        return _items.AsSpan(0, _size).ToArray();
    }

    /// <summary>Keeps exactly the best <see cref="Capacity"/> hits and sets the threshold to the worst of them.</summary>
    private void Cut()
    {
        SelectBest(_items.AsSpan(0, _size), Capacity);
        _size = Capacity;
        RaiseThresholdToWorst();
    }

    /// <summary>
    /// Frees room while scanning: a histogram of the scores finds the highest bin whose hits and those above it number at least
    /// <see cref="Capacity"/> hits; hits in lower bins are dropped and the threshold rises to the worst hit kept. Two linear passes instead of
    /// a quickselect; keeps a few more hits than the capacity (the rest of that bin), which a later cut or
    /// <see cref="ToArray"/> trims. Falls back to the exact cut when that bin holds too many hits to free room.
    /// </summary>
    private void Thin()
    {
        const int Bins = 1024;
        float low = float.PositiveInfinity, high = float.NegativeInfinity;
        for (int i = 0; i < _size; i++)
        {
            low = MathF.Min(low, _items[i].Score);
            high = MathF.Max(high, _items[i].Score);
        }

        float width = (high - low) / Bins;
        if (!(width > 0) || !float.IsFinite(width))
        {
            Cut();
            return;
        }

        Span<int> counts = stackalloc int[Bins];
        counts.Clear();
        for (int i = 0; i < _size; i++)
        {
            counts[Math.Min(Bins - 1, (int)((_items[i].Score - low) / width))]++;
        }

        int kept = 0, bin = Bins - 1;
        for (; bin > 0; bin--)
        {
            kept += counts[bin];
            if (kept >= Capacity)
            {
                break;
            }
        }

        if (kept > Capacity + ((_items.Length - Capacity) / 2))
        {
            Cut();
            return;
        }

        int size = 0;
        for (int i = 0; i < _size; i++)
        {
            if (Math.Min(Bins - 1, (int)((_items[i].Score - low) / width)) >= bin)
            {
                _items[size++] = _items[i];
            }
        }

        _size = size;
        RaiseThresholdToWorst();
    }

    private void RaiseThresholdToWorst()
    {
        float worst = float.PositiveInfinity;
        for (int i = 0; i < _size; i++)
        {
            worst = MathF.Min(worst, _items[i].Score);
        }

        _threshold = MathF.Max(_threshold, worst);
    }

    /// <summary>Quickselect: afterwards the first <paramref name="count"/> items are the best (in no particular order).</summary>
    internal static void SelectBest(Span<VectorHit> items, int count)
    {
        int low = 0, high = items.Length - 1;
        while (low < high)
        {
            var pivot = MedianOfThree(items[low], items[low + ((high - low) / 2)], items[high]);
            int i = low, j = high;
            while (i <= j)
            {
                while (Better(items[i], pivot))
                {
                    i++;
                }

                while (Better(pivot, items[j]))
                {
                    j--;
                }

                if (i <= j)
                {
                    (items[i], items[j]) = (items[j], items[i]);
                    i++;
                    j--;
                }
            }

            // Now items[low..j] are not worse than the pivot and items[i..high] not better.
            if (count - 1 <= j)
            {
                high = j;
            }
            else if (count - 1 >= i)
            {
                low = i;
            }
            else
            {
                return;
            }
        }
    }

    private static VectorHit MedianOfThree(VectorHit a, VectorHit b, VectorHit c)
    {
        if (Better(b, a))
        {
            (a, b) = (b, a);
        }

        if (Better(c, b))
        {
            (b, c) = (c, b);
            if (Better(b, a))
            {
                (a, b) = (b, a);
            }
        }

        return b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Better(VectorHit a, VectorHit b) => a.Score > b.Score || (a.Score == b.Score && a.Position < b.Position);
}

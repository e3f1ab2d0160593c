namespace VidSearch.Index.Vectors;

/// <summary>
/// One bit per coordinate of rotated vectors (1 where the coordinate is positive), laid out for
/// <see cref="SignCodeLookup"/>'s scan: vectors go in blocks of 32, and inside a block byte j of all 32 codes is
/// stored together (32 consecutive bytes), so one 256-bit load brings the same 8 coordinates of 32 vectors.
/// Byte j of a code holds coordinates 8j..8j+7, bit b for coordinate 8j+b. Stored in chunks of
/// <see cref="ChunkBlocks"/> blocks so that no single array grows past a few tens of megabytes.
/// </summary>
public sealed class SignCodeBlocks
{
    public const int BlockSize = 32;
    public const int ChunkBlocks = 4096;

    private readonly byte[][] _chunks;

    public SignCodeBlocks(int paddedDim, int capacity)
    {
        if (paddedDim < 8 || paddedDim % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(paddedDim), paddedDim, "must be a positive multiple of 8");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        PaddedDim = paddedDim;
        Capacity = capacity;
        BlockCount = (capacity + BlockSize - 1) / BlockSize;
        int chunks = (BlockCount + ChunkBlocks - 1) / ChunkBlocks;
        _chunks = new byte[chunks][];
        for (int c = 0; c < chunks; c++)
        {
            int blocks = Math.Min(ChunkBlocks, BlockCount - c * ChunkBlocks);
            _chunks[c] = new byte[blocks * BlockBytes];
        }
    }

    public int PaddedDim { get; }

    public int Capacity { get; }

    public int BlockCount { get; }

    /// <summary>Bytes of one code (<see cref="PaddedDim"/> / 8).</summary>
    public int CodeBytes => PaddedDim / 8;

    /// <summary>Bytes of one block of 32 codes.</summary>
    public int BlockBytes => BlockSize * CodeBytes;

    public long TotalBytes => (long)BlockCount * BlockBytes;

    /// <summary>The chunks in order (for saving and loading).</summary>
    public IReadOnlyList<byte[]> Chunks => _chunks;

    /// <summary>
    /// Where the scan reports the vector at <paramref name="positionInBlock"/>: the scan sums even and odd positions in
    /// two 16-lane accumulators, so slot k &lt; 16 is position 2k and slot 16 + k is position 2k + 1.
    /// </summary>
    public static int SlotOf(int positionInBlock) => (positionInBlock & 1) == 0 ? positionInBlock >> 1 : 16 + (positionInBlock >> 1);

    /// <summary>The position in its block of the vector reported in scan slot <paramref name="slot"/> (inverse of <see cref="SlotOf"/>).</summary>
    public static int PositionOfSlot(int slot) => slot < 16 ? 2 * slot : 2 * (slot - 16) + 1;

    /// <summary>The bytes of block <paramref name="block"/>.</summary>
    public ReadOnlySpan<byte> Block(int block) => _chunks[block / ChunkBlocks].AsSpan(block % ChunkBlocks * BlockBytes, BlockBytes);

    /// <summary>Stores the signs of <paramref name="rotated"/> (length <see cref="PaddedDim"/>) as the code of vector <paramref name="index"/>.</summary>
    public void Set(int index, ReadOnlySpan<float> rotated)
    {
        if ((uint)index >= (uint)Capacity || rotated.Length != PaddedDim)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"vector {index} of {Capacity}, {rotated.Length} coordinates for {PaddedDim}");
        }

        int block = index / BlockSize;
        var bytes = _chunks[block / ChunkBlocks].AsSpan(block % ChunkBlocks * BlockBytes, BlockBytes);
        int position = index % BlockSize;
        for (int j = 0; j < CodeBytes; j++)
        {
            int value = 0;
            for (int b = 0; b < 8; b++)
            {
                value |= (rotated[8 * j + b] > 0 ? 1 : 0) << b;
            }

            bytes[j * BlockSize + position] = (byte)value;
        }
    }
}

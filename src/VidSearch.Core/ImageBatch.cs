namespace VidSearch.Core;

/// <summary>
/// A batch of preprocessed images in NCHW float32 layout (channels RGB), already scaled and normalised
/// as the model expects. Produced by the media pipeline, consumed by image encoders.
/// </summary>
public sealed class ImageBatch
{
    public ImageBatch(float[] data, int count, int height, int width)
    {
        if (data.Length != count * 3 * height * width)
        {
            throw new ArgumentException($"data holds {data.Length} floats, expected {count}x3x{height}x{width}", nameof(data));
        }

        Data = data;
        Count = count;
        Height = height;
        Width = width;
    }

    public float[] Data { get; }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    public int ImageLength => 3 * Height * Width;

    public Span<float> Image(int index) => Data.AsSpan(index * ImageLength, ImageLength);
}

using VidSearch.Core;
using VidSearch.Media.Imaging;

namespace VidSearch.Media.Preprocessing;

/// <summary>
/// CLIP image preprocessing (PROTOCOL.md, "Image preprocessing"), bit-exact with torchvision on PIL images:
/// resize the short side to <see cref="PreprocessConfig.ImageSize"/> (long side truncated as torchvision does)
/// with Pillow's bicubic filter (horizontal pass, rounding to 8 bits, vertical pass), center crop (offsets
/// rounded half to even as Python's round), scale to [0, 1], normalise with the config's mean and std; NCHW output.
/// Only the pixels inside the crop are resampled.
/// </summary>
public sealed class ClipPreprocessor
{
    private readonly BicubicResizer resizer;
    private readonly float[] lookup;

    public ClipPreprocessor(PreprocessConfig? config = null)
        : this(config, new BicubicResizer())
    {
    }

    /// <summary>With a given resizer: the scalar one is the reference `bench index` times the default against.</summary>
    internal ClipPreprocessor(PreprocessConfig? config, BicubicResizer resizer)
    {
        this.resizer = resizer;
        Config = config ?? PreprocessConfig.Clip();
        if (Config.ImageSize < 1 || Config.ImageSize > 4096)
        {
            throw VidSearchException.Argument("image size", $"must be between 1 and 4096, got {Config.ImageSize}");
        }

        if (Config.Mean.Length != 3 || Config.Std.Length != 3 || Config.Std.Any(s => !(s > 0)))
        {
            throw VidSearchException.Argument("preprocessing", "mean and std need 3 values each, std above 0");
        }

        // (byte / 255 - mean) / std in float32, as ToTensor then Normalize compute it.
        lookup = new float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            for (int v = 0; v < 256; v++)
            {
                float scaled = v / 255f;
                lookup[(c * 256) + v] = (scaled - Config.Mean[c]) / Config.Std[c];
            }
        }
    }

    public PreprocessConfig Config { get; }

    public int ImageSize => Config.ImageSize;

    /// <summary>Floats per preprocessed image (3 x size x size).</summary>
    public int ImageLength => 3 * ImageSize * ImageSize;

    /// <summary>Size after the short-side resize: torchvision's (short = size, long = int(size * long / short)).</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        if (width <= height)
        {
            return (size, (int)((long)size * height / width));
        }

        return ((int)((long)size * width / height), size);
    }

    /// <summary>Top-left of the center crop: int(round((dim - size) / 2)) with Python's half-to-even rounding.</summary>
    public static int CropOffset(int dim, int size) => (int)Math.Round((dim - size) / 2.0, MidpointRounding.ToEven);

    public ImageBatch ProcessBatch(IReadOnlyList<RgbImage> images)
    {
        var data = new float[checked(images.Count * ImageLength)];
        for (int i = 0; i < images.Count; i++)
        {
            Process(images[i], data.AsSpan(i * ImageLength, ImageLength));
        }

        return new ImageBatch(data, images.Count, ImageSize, ImageSize);
    }

    /// <summary>Preprocesses one image into <paramref name="destination"/> (3 x size x size floats, channel-major).</summary>
    public void Process(RgbImage image, Span<float> destination)
    {
        if (destination.Length != ImageLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats, expected {ImageLength}", nameof(destination));
        }

        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(ImageLength);
        try
        {
            ProcessToBytes(image, bytes.AsSpan(0, ImageLength));
            int plane = ImageSize * ImageSize;
            for (int c = 0; c < 3; c++)
            {
                var table = lookup.AsSpan(c * 256, 256);
                for (int i = c * plane; i < (c + 1) * plane; i++)
                {
                    destination[i] = table[bytes[i]];
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>
    /// The resized and cropped image before scaling and normalisation, channel-major (3 x size x size bytes): a quarter
    /// of <see cref="Process"/>'s memory; <see cref="NormalizationTable"/> maps each byte to the float Process writes.
    /// </summary>
    public void ProcessToBytes(RgbImage image, Span<byte> destination)
    {
        if (destination.Length != ImageLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, expected {ImageLength}", nameof(destination));
        }

        var resized = ResizeAndCrop(image);
        int plane = ImageSize * ImageSize;
        for (int i = 0; i < plane; i++)
        {
            destination[i] = resized[i * 3];
            destination[plane + i] = resized[(i * 3) + 1];
            destination[(2 * plane) + i] = resized[(i * 3) + 2];
        }
    }

    /// <summary>The float of channel c for byte value v at index c * 256 + v: (v / 255 - mean[c]) / std[c] in float32.</summary>
    public float[] NormalizationTable() => (float[])lookup.Clone();

    /// <summary>Interleaved RGB bytes of the center crop after the short-side resize.</summary>
    private byte[] ResizeAndCrop(RgbImage image)
    {
        int size = ImageSize;
        var (resizedWidth, resizedHeight) = ResizedSize(image.Width, image.Height, size);
        int left = CropOffset(resizedWidth, size);
        int top = CropOffset(resizedHeight, size);
        return resizer.Resize(image, resizedWidth, resizedHeight, left, top, size, size);
    }
}

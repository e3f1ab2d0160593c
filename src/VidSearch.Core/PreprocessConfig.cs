namespace VidSearch.Core;

/// <summary>
/// How frames are turned into model input (PROTOCOL.md, "Image preprocessing"): short side resized to
/// <see cref="ImageSize"/> with bicubic antialiasing, center crop, [0,1] scaling, per-channel normalisation.
/// Stored with every checkpoint and every index so that train, test and search use the same pipeline.
/// </summary>
public sealed record PreprocessConfig
{
    public static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    public int ImageSize { get; init; } = 224;

    public float[] Mean { get; init; } = ClipMean;

    public float[] Std { get; init; } = ClipStd;

    public static PreprocessConfig Clip(int imageSize = 224) => new() { ImageSize = imageSize };
}

using VidSearch.Core;
using VidSearch.Media;
using VidSearch.Media.Decoding;
using VidSearch.Media.Preprocessing;
using VidSearch.Media.Sampling;
using VidSearch.Synthetic.Manifest;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// One manifest clip with its sampled frames: preprocessed pixels [T, 3, S, S] (flattened) and a mask [T]
/// (false = padding). The row carries the captions, label, group and choices.
/// </summary>
public sealed record VideoClipPixels(ManifestRow Row, float[] Pixels, bool[] Mask);

/// <summary>
/// Decodes the sampled frames of manifest clips (one sampling strategy for training and testing) and preprocesses
/// them for a CLIP image size. Uses the Media library (probe, plan, ffmpeg decode, CLIP resize/crop/normalise).
/// </summary>
public sealed class VideoClipReader
{
    private readonly FrameSampler sampler;
    private readonly ClipPreprocessor preprocessor;
    private readonly FrameCache? cache;

    /// <param name="sampling">Frame sampling strategy (e.g. uniform:8).</param>
    /// <param name="preprocess">CLIP preprocessing (image size, mean, std).</param>
    /// <param name="cacheDirectory">Optional folder of decoded, preprocessed clips (see <see cref="FrameCache"/>); null = always decode.</param>
    public VideoClipReader(string sampling, PreprocessConfig preprocess, string? cacheDirectory = null)
    {
        var strategy = SamplingStrategies.Parse(sampling);
        sampler = new FrameSampler(strategy);
        preprocessor = new ClipPreprocessor(preprocess);
        Sampling = strategy.Name;
        cache = cacheDirectory is null ? null : new FrameCache(cacheDirectory, FormattableString.Invariant(
            $"{strategy.Name}|{preprocess.ImageSize}|{string.Join(',', preprocess.Mean)}|{string.Join(',', preprocess.Std)}"));
    }

    public string Sampling { get; }

    public int ImageLength => preprocessor.ImageLength;

    /// <summary>Reads the rows of <paramref name="dataset"/> that have a video; a clip that cannot be decoded is an error naming it.</summary>
    public IReadOnlyList<VideoClipPixels> Read(ManifestDataset dataset, IReadOnlyList<ManifestRow> rows, IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        var result = new VideoClipPixels[rows.Count];
        int done = 0;
        Parallel.For(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, i =>
        {
            result[i] = ReadOne(dataset, rows[i], ct);
            int n = Interlocked.Increment(ref done);
            progress?.Report(new WorkProgress("decode", n, rows.Count, "clips", rows[i].Id));
        });
        return result;
    }

    private VideoClipPixels ReadOne(ManifestDataset dataset, ManifestRow row, CancellationToken ct)
    {
        if (row.Video is null)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, dataset.ManifestPath, $"row {row.Id} has no video");
        }

        string path = dataset.MediaPath(row);
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, $"video of row {row.Id} not found");
        }

        if (cache?.TryRead(path, preprocessor.ImageLength) is { } cached)
        {
            return new VideoClipPixels(row, cached.Pixels, cached.Mask);
        }

        var video = sampler.Open(path, ct);
        int slots = video.Plan.Count;
        var pixels = new float[slots * preprocessor.ImageLength];
        var mask = new bool[slots];
        var report = new DecodeReport();
        foreach (var frame in video.Frames(report, null, ct))
        {
            preprocessor.Process(frame.Image, pixels.AsSpan(frame.Index * preprocessor.ImageLength, preprocessor.ImageLength));
            mask[frame.Index] = true;
        }

        if (!mask.Any(m => m))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"no frame of row {row.Id} could be decoded: {report.Summary()}");
        }

        cache?.Write(path, pixels, mask);
        return new VideoClipPixels(row, pixels, mask);
    }
}

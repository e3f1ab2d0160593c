using VidSearch.Core;
using VidSearch.Media;
using VidSearch.Media.Decoding;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;

namespace VidSearch.Models.Video;

/// <summary>Settings of <see cref="VideoEmbeddingPipeline"/>.</summary>
public sealed record VideoEmbeddingOptions
{
    /// <summary>Frames per call to the image encoder.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Preprocessed batches that may wait for the encoder (bounds memory).</summary>
    public int QueueCapacity { get; init; } = 2;

    /// <summary>
    /// Whether videos embedded at once take turns at the encoder (<see cref="OneAtATimeImageEncoder"/>): right when one
    /// encode already uses every core; false lets encoders limited to a few threads each run side by side.
    /// </summary>
    public bool EncodesTakeTurns { get; init; } = true;

    /// <summary>
    /// Whether <paramref name="jobs"/> videos embedded at once should take turns at an encoder of
    /// <paramref name="threads"/> threads (null: the default, every core) on <paramref name="cores"/> cores: yes,
    /// unless their threads together fit the cores.
    /// </summary>
    public static bool TurnsNeeded(int? threads, int jobs, int cores) => threads is not int t || t * jobs > cores;

    public void Validate()
    {
        if (BatchSize is < 1 or > 4096)
        {
            throw VidSearchException.Argument("--batch-size", $"must be between 1 and 4096, got {BatchSize}");
        }

        if (QueueCapacity is < 1 or > 64)
        {
            throw VidSearchException.Argument("queue capacity", $"must be between 1 and 64, got {QueueCapacity}");
        }
    }
}

/// <summary>
/// One video run through the pipeline: what the probe found, the sampling plan, the frame embeddings in plan order
/// (slots that are padding or could not be decoded are zero rows with Mask = false) and what could not be decoded.
/// </summary>
public sealed record EmbeddedVideo(VideoInfo Info, SamplingPlan Plan, FrameEmbeddings Frames, DecodeReport Decode)
{
    /// <summary>Frames that went through the image encoder.</summary>
    public int FramesEncoded => Frames.ValidCount;

    /// <summary>A line for users when part of the video could not be decoded; null when every frame came.</summary>
    public string? Problem => Decode.IsComplete ? null : Decode.Summary();

    /// <summary>The video-level vector: the L2-normalised mean of the decoded frames (CLIP4Clip meanP).</summary>
    public float[] MeanVector() => VectorMath.MeanNormalized(Frames.Frames, Frames.Mask);
}

/// <summary>
/// The media pipeline in front of an image encoder: probe, sampling plan, decoding through ffmpeg and CLIP
/// preprocessing on a background thread, encoding on the calling one (<see cref="VideoFrameEncoder"/>), so decoding
/// and encoding overlap and memory stays bounded. A partially corrupt video gives the frames that decoded, with the
/// rest reported in <see cref="EmbeddedVideo.Decode"/>; a video with no decodable frame is an error. Thread-safe:
/// several videos may be embedded at once; their encoder calls take turns (<see cref="OneAtATimeImageEncoder"/>),
/// since one call already uses every core (<see cref="VideoEmbeddingOptions.EncodesTakeTurns"/>).
/// </summary>
public sealed class VideoEmbeddingPipeline
{
    private readonly IImageEncoder encoder;
    private readonly FrameSampler sampler;
    private readonly ClipPreprocessor preprocessor;
    private readonly VideoFrameEncoder frameEncoder;
    private readonly VideoEmbeddingOptions options;

    public VideoEmbeddingPipeline(IImageEncoder encoder, ISamplingStrategy strategy, VideoEmbeddingOptions? options = null, FrameDecoder? decoder = null)
    {
        this.options = options ?? new VideoEmbeddingOptions();
        this.options.Validate();
        this.encoder = encoder;
        sampler = new FrameSampler(strategy, decoder);
        preprocessor = new ClipPreprocessor(encoder.Preprocess);
        frameEncoder = new VideoFrameEncoder(this.options.EncodesTakeTurns ? new OneAtATimeImageEncoder(encoder) : encoder, this.options.BatchSize, this.options.QueueCapacity);
    }

    /// <summary>Builds the pipeline from a strategy spec (<see cref="SamplingStrategies.Help"/>).</summary>
    public VideoEmbeddingPipeline(IImageEncoder encoder, string strategy, VideoEmbeddingOptions? options = null)
        : this(encoder, SamplingStrategies.Parse(strategy), options)
    {
    }

    public ISamplingStrategy Strategy => sampler.Strategy;

    public ClipPreprocessor Preprocessor => preprocessor;

    public EmbeddedVideo Embed(string path, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
        => EmbedAsync(path, progress, cancellationToken).GetAwaiter().GetResult();

    public async Task<EmbeddedVideo> EmbedAsync(string path, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var video = sampler.Open(path, cancellationToken);
        var plan = video.Plan;
        var report = new DecodeReport();
        var slots = new List<int>(plan.ValidCount);
        int batchSize = options.BatchSize;
        int imageLength = preprocessor.ImageLength;
        int size = preprocessor.ImageSize;
        var matrix = await frameEncoder.EncodeAsync(async (writer, token) =>
        {
            float[] buffer = new float[batchSize * imageLength];
            int count = 0;
            foreach (var frame in video.Frames(report, null, token))
            {
                preprocessor.Process(frame.Image, buffer.AsSpan(count * imageLength, imageLength));
                slots.Add(frame.Index);
                if (++count == batchSize)
                {
                    await writer.WriteAsync(new ImageBatch(buffer, count, size, size), token).ConfigureAwait(false);
                    buffer = new float[batchSize * imageLength];
                    count = 0;
                }
            }

            if (count > 0)
            {
                await writer.WriteAsync(new ImageBatch(buffer.AsSpan(0, count * imageLength).ToArray(), count, size, size), token).ConfigureAwait(false);
            }
        }, progress, plan.ValidCount, cancellationToken).ConfigureAwait(false);

        if (slots.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path,
                report.Failed.Count > 0 ? "no frame could be decoded: " + report.Summary() : "no frame could be decoded");
        }

        if (matrix.Rows != slots.Count)
        {
            throw new VidSearchException(ErrorKind.Incompatible, path, $"the image encoder returned {matrix.Rows} embeddings for {slots.Count} frames");
        }

        var frames = new EmbeddingMatrix(plan.Count, matrix.Dim);
        var mask = new bool[plan.Count];
        for (int i = 0; i < slots.Count; i++)
        {
            matrix.RowReadOnly(i).CopyTo(frames.Row(slots[i]));
            mask[slots[i]] = true;
        }

        return new EmbeddedVideo(video.Info, plan, new FrameEmbeddings(frames, (double[])plan.Timestamps.Clone(), mask), report);
    }

    /// <summary>Embeds one still image (PNG, JPEG...) with the model's preprocessing.</summary>
    public static float[] EmbedImage(IImageEncoder encoder, string path, CancellationToken cancellationToken = default)
    {
        var image = ImageFile.Read(path, cancellationToken);
        var batch = new ClipPreprocessor(encoder.Preprocess).ProcessBatch([image]);
        return VectorMath.Normalized(encoder.EncodeImages(batch).RowReadOnly(0));
    }
}

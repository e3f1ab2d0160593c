using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Tokenization;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Image-text pairs loaded once for training: images (every frame of a film strip) preprocessed exactly as at
/// inference (CLIP preprocessing at the model's size), every caption tokenized with the real CLIP tokenizer.
/// The frames are kept as their resized and cropped bytes in one native [frames, 3, H, W] uint8 tensor (a quarter of
/// the memory of floats, and no managed array's length limit); a batch is normalised when it is taken, through the
/// preprocessor's own byte-to-float table, so it holds exactly the floats <see cref="ClipPreprocessor.Process"/> writes.
/// </summary>
public sealed class PreparedPairs
{
    private readonly TorchSharp.torch.Tensor frameBytes;
    private readonly TorchSharp.torch.Tensor normalization;
    private readonly TorchSharp.torch.Tensor channelOffsets;

    private PreparedPairs(IReadOnlyList<ImageTextPair> pairs, TorchSharp.torch.Tensor frameBytes, float[] normalization, int imageSize, int[] frameStart, TokenBatch[] captions)
    {
        Pairs = pairs;
        this.frameBytes = frameBytes;
        this.normalization = TorchSharp.torch.tensor(normalization).DetachFromDisposeScope();
        channelOffsets = TorchSharp.torch.tensor(new long[] { 0, 256, 512 }).view(1, 3, 1, 1).DetachFromDisposeScope();
        ImageSize = imageSize;
        FrameStart = frameStart;
        Captions = captions;
        GroupIds = PositiveIdsOf(pairs);
        StripFrames = pairs.FirstOrDefault(p => p.IsStrip)?.Frames ?? 0;
    }

    public IReadOnlyList<ImageTextPair> Pairs { get; }

    public int Count => Pairs.Count;

    /// <summary>Frames held: one per still, <see cref="ImageTextPair.Frames"/> per strip.</summary>
    public long FrameCount => frameBytes.shape[0];

    /// <summary>Side of a preprocessed frame in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Floats of one preprocessed frame (3 x size x size).</summary>
    public int ImageLength => 3 * ImageSize * ImageSize;

    /// <summary>The NCHW normalised pixels of one frame, as <see cref="ClipPreprocessor.Process"/> writes them.</summary>
    public float[] FramePixels(long frame)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var index = TorchSharp.torch.tensor(new[] { frame });
        return NormalizedFrames(index).data<float>().ToArray();
    }

    /// <summary>[frames, 3, H, W] normalised float pixels of the frames at <paramref name="index"/> (int64).</summary>
    internal TorchSharp.torch.Tensor NormalizedFrames(TorchSharp.torch.Tensor index)
    {
        using var bytes = frameBytes.index_select(0, index);
        using var codes = bytes.to(TorchSharp.torch.int64).add_(channelOffsets);
        return normalization.take(codes);
    }

    /// <summary>Per pair, the index (in frames) of its first frame among the frames held.</summary>
    public int[] FrameStart { get; }

    /// <summary>Frames of every strip (all strips have the same count), 0 when there are none.</summary>
    public int StripFrames { get; }

    /// <summary>Per pair, its captions tokenized (one row per caption).</summary>
    public TokenBatch[] Captions { get; }

    /// <summary>Per pair, an id shared by the pairs that are positives of each other (stills of equal content); a strip's is its own.</summary>
    public int[] GroupIds { get; }

    /// <summary>The caption used to evaluate a pair: its longest (most specific) one.</summary>
    public int EvaluationCaption(int pair)
    {
        var captions = Pairs[pair].Captions;
        int best = 0;
        for (int i = 1; i < captions.Count; i++)
        {
            if (captions[i].Length > captions[best].Length)
            {
                best = i;
            }
        }

        return best;
    }

    public static PreparedPairs Load(
        IReadOnlyList<ImageTextPair> pairs, PreprocessConfig preprocess, ITokenizer tokenizer, int maxTokens,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default, string task = "load images")
    {
        foreach (var pair in pairs)
        {
            if (pair.Captions.Count == 0 || pair.Captions.Any(string.IsNullOrWhiteSpace))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, pair.Id, "has no caption or an empty caption");
            }

            if (pair.Frames < 1)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, pair.Id, $"'frames' is {pair.Frames}, expected at least 1");
            }
        }

        var stripFrames = pairs.Where(p => p.IsStrip).Select(p => p.Frames).Distinct().ToList();
        if (stripFrames.Count > 1)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data", $"film strips must all have the same number of frames (found {string.Join(", ", stripFrames)})");
        }

        var frameStart = new int[pairs.Count];
        int frames = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            frameStart[i] = frames;
            frames = checked(frames + pairs[i].Frames);
        }

        var preprocessor = new ClipPreprocessor(preprocess);
        int imageLength = preprocessor.ImageLength;
        long bytesNeeded = (long)frames * imageLength;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytesNeeded > available / 2)
        {
            // Refused before reading any image: the frames would not fit beside the model and its batches.
            throw new VidSearchException(ErrorKind.InvalidInput, "training data",
                $"{frames} images of {preprocess.ImageSize}x{preprocess.ImageSize} pixels need {bytesNeeded / (1024.0 * 1024 * 1024):F1} GiB, " +
                $"more than half of the {available / (1024.0 * 1024 * 1024):F1} GiB of memory available; " +
                $"use at most {available / 2 / imageLength} images (--max-pairs) or a smaller image size");
        }

        var frameBytes = TorchSharp.torch.empty([frames, 3, preprocess.ImageSize, preprocess.ImageSize], TorchSharp.torch.uint8).DetachFromDisposeScope();
        long done = 0;
        try
        {
            Parallel.For(0, pairs.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => LoadOne(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            frameBytes.Dispose();
            // The first failing image's own error (it names the file), not a wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        catch
        {
            frameBytes.Dispose();
            throw;
        }

        var captions = pairs.Select(p => tokenizer.EncodeBatch(p.Captions, maxTokens)).ToArray();
        return new PreparedPairs(pairs, frameBytes, preprocessor.NormalizationTable(), preprocess.ImageSize, frameStart, captions);

        void LoadOne(int i)
        {
            var image = ImageFile.Read(pairs[i].ImagePath, cancellationToken);
            var parts = Frames(image, pairs[i]);
            var bytes = new byte[parts.Count * imageLength];
            for (int f = 0; f < parts.Count; f++)
            {
                preprocessor.ProcessToBytes(parts[f], bytes.AsSpan(f * imageLength, imageLength));
            }

            using (var source = TorchSharp.torch.tensor(bytes, [parts.Count, 3, preprocess.ImageSize, preprocess.ImageSize]))
            using (var target = frameBytes.narrow(0, frameStart[i], parts.Count))
            {
                target.copy_(source);
            }

            long n = Interlocked.Increment(ref done);
            if (n % 256 == 0 || n == pairs.Count)
            {
                progress?.Report(new WorkProgress(task, n, pairs.Count, "images"));
            }
        }
    }

    /// <summary>The frames of a pair's image: the image itself, or the equal-width parts of a film strip.</summary>
    private static IReadOnlyList<RgbImage> Frames(RgbImage image, ImageTextPair pair)
    {
        if (!pair.IsStrip)
        {
            return [image];
        }

        if (image.Width % pair.Frames != 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, pair.ImagePath,
                $"a film strip of {pair.Frames} frames must be a multiple of {pair.Frames} pixels wide (it is {image.Width})");
        }

        int width = image.Width / pair.Frames;
        return Enumerable.Range(0, pair.Frames).Select(f => image.Crop(f * width, 0, width, image.Height)).ToList();
    }

    private static int[] PositiveIdsOf(IReadOnlyList<ImageTextPair> pairs)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            string key = pairs[i].Group is { } group && !pairs[i].IsStrip ? group : "\0" + pairs[i].Id;
            if (!ids.TryGetValue(key, out int id))
            {
                id = ids.Count;
                ids[key] = id;
            }

            result[i] = id;
        }

        return result;
    }
}

using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Tokenization;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Image-text pairs loaded once for training: images (every frame of a film strip) preprocessed exactly as at
/// inference (CLIP preprocessing at the model's size) into one float array, every caption tokenized with the real
/// CLIP tokenizer.
/// </summary>
public sealed class PreparedPairs
{
    private PreparedPairs(IReadOnlyList<ImageTextPair> pairs, float[] pixels, int imageLength, int[] frameStart, TokenBatch[] captions)
    {
        Pairs = pairs;
        Pixels = pixels;
        ImageLength = imageLength;
        FrameStart = frameStart;
        Captions = captions;
        GroupIds = PositiveIdsOf(pairs);
        StripFrames = pairs.FirstOrDefault(p => p.IsStrip)?.Frames ?? 0;
    }

    public IReadOnlyList<ImageTextPair> Pairs { get; }

    public int Count => Pairs.Count;

    /// <summary>NCHW normalised pixels of every frame (one per still, <see cref="ImageTextPair.Frames"/> per strip), one after the other.</summary>
    public float[] Pixels { get; }

    /// <summary>Floats of one preprocessed frame.</summary>
    public int ImageLength { get; }

    /// <summary>
    /// <see cref="Pixels"/> as one [frames, 3, H, W] tensor that shares the array's memory (TorchSharp pins it, no
    /// copy), so a batch is an index_select into native memory freed with the batch, instead of a fresh managed buffer
    /// per step that stays on the large-object heap until a full collection (which had doubled the peak memory).
    /// </summary>
    internal TorchSharp.torch.Tensor FrameTensor
    {
        get
        {
            if (frameTensor is null)
            {
                int size = (int)Math.Sqrt(ImageLength / 3);
                // Created inside a caller's dispose scope on first use: detached, it lives as long as these pairs.
                frameTensor = TorchSharp.torch.tensor(Pixels, [Pixels.LongLength / ImageLength, 3, size, size]).DetachFromDisposeScope();
            }

            return frameTensor;
        }
    }

    private TorchSharp.torch.Tensor? frameTensor;

    /// <summary>Per pair, the index (in frames) of its first frame in <see cref="Pixels"/>.</summary>
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
        long floats = (long)frames * imageLength;
        if (floats > Array.MaxLength)
        {
            // One float array holds the preprocessed pixels of every frame (a batch is an index_select from one tensor).
            throw new VidSearchException(ErrorKind.InvalidInput, "training data",
                $"{frames} images of {imageLength} floats each ({floats} floats) exceed one array's {Array.MaxLength}; " +
                $"use at most {Array.MaxLength / imageLength} images (--max-pairs) or a smaller image size");
        }

        var pixels = new float[floats];
        long done = 0;
        try
        {
            Parallel.For(0, pairs.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => LoadOne(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failing image's own error (it names the file), not a wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        var captions = pairs.Select(p => tokenizer.EncodeBatch(p.Captions, maxTokens)).ToArray();
        return new PreparedPairs(pairs, pixels, imageLength, frameStart, captions);

        void LoadOne(int i)
        {
            var image = ImageFile.Read(pairs[i].ImagePath, cancellationToken);
            var parts = Frames(image, pairs[i]);
            for (int f = 0; f < parts.Count; f++)
            {
                preprocessor.Process(parts[f], pixels.AsSpan((frameStart[i] + f) * imageLength, imageLength));
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

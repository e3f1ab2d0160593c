using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Tokenization;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Image-text pairs loaded once for training: images preprocessed exactly as at inference (CLIP preprocessing at the
/// model's size) into one float array, every caption tokenized with the real CLIP tokenizer.
/// </summary>
public sealed class PreparedPairs
{
    private PreparedPairs(IReadOnlyList<ImageTextPair> pairs, float[] pixels, int imageLength, TokenBatch[] captions)
    {
        Pairs = pairs;
        Pixels = pixels;
        ImageLength = imageLength;
        Captions = captions;
        GroupIds = GroupIdsOf(pairs);
    }

    public IReadOnlyList<ImageTextPair> Pairs { get; }

    public int Count => Pairs.Count;

    /// <summary>NCHW normalised pixels of every image, one after the other.</summary>
    public float[] Pixels { get; }

    public int ImageLength { get; }

    /// <summary>Per pair, its captions tokenized (one row per caption).</summary>
    public TokenBatch[] Captions { get; }

    /// <summary>Per pair, an id shared by pairs of the same group (equal content).</summary>
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
        }

        var preprocessor = new ClipPreprocessor(preprocess);
        int imageLength = preprocessor.ImageLength;
        var pixels = new float[checked(pairs.Count * imageLength)];
        long done = 0;
        Parallel.For(0, pairs.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var image = ImageFile.Read(pairs[i].ImagePath, cancellationToken);
            preprocessor.Process(image, pixels.AsSpan(i * imageLength, imageLength));
            long n = Interlocked.Increment(ref done);
            if (n % 256 == 0 || n == pairs.Count)
            {
                progress?.Report(new WorkProgress(task, n, pairs.Count, "images"));
            }
        });

        var captions = pairs.Select(p => tokenizer.EncodeBatch(p.Captions, maxTokens)).ToArray();
        return new PreparedPairs(pairs, pixels, imageLength, captions);
    }

    private static int[] GroupIdsOf(IReadOnlyList<ImageTextPair> pairs)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            string key = pairs[i].Group ?? "\0" + pairs[i].Id;
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

using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>Image->text and text->image recall of a gallery (R@K in percent; queries counted).</summary>
public sealed record ImageTextRecall(int Gallery, int Queries, double ImageToTextR1, double ImageToTextR5, double TextToImageR1, double TextToImageR5);

/// <summary>A query missed at rank 1: <paramref name="Rival"/> is the best-scoring candidate that is not its equivalent (gallery items).</summary>
public sealed record RetrievalMiss(RetrievalDirection Direction, int Query, int Rival);

public enum RetrievalDirection { ImageToText, TextToImage }

/// <summary>
/// Retrieval between still images and captions: each gallery item contributes its image and its most specific caption.
/// A query is correct at rank r if the r-th candidate is its own pair or a pair of the same group (same content);
/// ties are pessimistic (a non-equivalent candidate with an equal score ranks first).
/// </summary>
public static class ImageTextRetrieval
{
    public static ImageTextRecall Evaluate(ClipModel model, PreparedPairs data, IReadOnlyList<int> gallery, IReadOnlyList<int>? queries = null)
        => Score(model, data, gallery).Recall(queries);

    /// <summary>Encodes the gallery's images and captions once; recall and misses are then read from the scores.</summary>
    public static GalleryScores Score(ClipModel model, PreparedPairs data, IReadOnlyList<int> gallery)
        => new(Similarities(model, data, gallery), gallery, gallery.Select(i => data.GroupIds[i]).ToArray());

    /// <summary>Image-caption similarities of a gallery (rows images, columns captions) and the recall and misses they give.</summary>
    public sealed class GalleryScores
    {
        private readonly float[,] sim;
        private readonly IReadOnlyList<int> gallery;
        private readonly int[] groups;

        internal GalleryScores(float[,] sim, IReadOnlyList<int> gallery, int[] groups)
        {
            this.sim = sim;
            this.gallery = gallery;
            this.groups = groups;
        }

        /// <summary>Recall of the given queries (items of the gallery; default all of them) against the whole gallery.</summary>
        public ImageTextRecall Recall(IReadOnlyList<int>? queries = null)
        {
            queries ??= gallery;
            var position = new Dictionary<int, int>();
            for (int i = 0; i < gallery.Count; i++)
            {
                position[gallery[i]] = i;
            }

            int i2t1 = 0, i2t5 = 0, t2i1 = 0, t2i5 = 0;
            foreach (int query in queries)
            {
                int q = position[query];
                int rankI2T = Rank(j => sim[q, j], groups, q, gallery.Count);
                int rankT2I = Rank(j => sim[j, q], groups, q, gallery.Count);
                i2t1 += rankI2T < 1 ? 1 : 0;
                i2t5 += rankI2T < 5 ? 1 : 0;
                t2i1 += rankT2I < 1 ? 1 : 0;
                t2i5 += rankT2I < 5 ? 1 : 0;
            }

            double n = Math.Max(queries.Count, 1) / 100.0;
            return new ImageTextRecall(gallery.Count, queries.Count, i2t1 / n, i2t5 / n, t2i1 / n, t2i5 / n);
        }

        /// <summary>Every query missed at rank 1, each direction, with the candidate that beat it (gallery items).</summary>
        public IReadOnlyList<RetrievalMiss> Misses()
            => ImageTextRetrieval.Misses(sim, groups).Select(m => m with { Query = gallery[m.Query], Rival = gallery[m.Rival] }).ToList();
    }

    /// <summary>Misses at rank 1 of a similarity matrix (rows images, columns captions), as gallery positions.</summary>
    internal static IReadOnlyList<RetrievalMiss> Misses(float[,] sim, int[] groups)
    {
        var misses = new List<RetrievalMiss>();
        int count = groups.Length;
        foreach (var direction in new[] { RetrievalDirection.ImageToText, RetrievalDirection.TextToImage })
        {
            for (int q = 0; q < count; q++)
            {
                int query = q;
                Func<int, float> score = direction == RetrievalDirection.ImageToText ? j => sim[query, j] : j => sim[j, query];
                if (Rank(score, groups, q, count) == 0)
                {
                    continue;
                }

                int rival = Enumerable.Range(0, count).Where(j => groups[j] != groups[q]).MaxBy(score);
                misses.Add(new RetrievalMiss(direction, q, rival));
            }
        }

        return misses;
    }

    /// <summary>0-based rank of the best equivalent candidate: non-equivalent candidates scoring at least as high.</summary>
    internal static int Rank(Func<int, float> score, int[] groups, int truth, int count)
    {
        float best = float.NegativeInfinity;
        for (int j = 0; j < count; j++)
        {
            if (groups[j] == groups[truth])
            {
                best = Math.Max(best, score(j));
            }
        }

        int rank = 0;
        for (int j = 0; j < count; j++)
        {
            if (groups[j] != groups[truth] && score(j) >= best)
            {
                rank++;
            }
        }

        return rank;
    }

    private static float[,] Similarities(ClipModel model, PreparedPairs data, IReadOnlyList<int> gallery)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = new List<Tensor>();
        var texts = new List<Tensor>();
        const int batch = 256;
        for (int start = 0; start < gallery.Count; start += batch)
        {
            var items = gallery.Skip(start).Take(batch).ToArray();
            images.Add(nn.functional.normalize(model.ImageFeatures(ClipPretrainer.Pixels(data, items)), dim: -1));
            var (ids, ends) = ClipPretrainer.Tokens(data, items, item => data.EvaluationCaption(item));
            texts.Add(nn.functional.normalize(model.TextFeatures(ids, ends), dim: -1));
        }

        var sim = cat(images, 0).matmul(cat(texts, 0).t()).contiguous();
        var values = sim.data<float>().ToArray();
        var result = new float[gallery.Count, gallery.Count];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    }
}

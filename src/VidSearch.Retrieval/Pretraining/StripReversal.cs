using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Order sensitivity of a model during video-text pretraining: the share of (caption, clip) queries whose caption
/// scores its own film strip above the strip of its reversed twin (the same group), in percent; chance is 50 %.
/// Ties count as failures.
/// </summary>
public static class StripReversal
{
    public static double Accuracy(ClipModel model, StripPooling pooling, PreparedPairs strips)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var twinOf = new Dictionary<int, int>();
        foreach (var group in Enumerable.Range(0, strips.Count).Where(i => strips.Pairs[i].Group is not null).GroupBy(i => strips.Pairs[i].Group!, StringComparer.Ordinal))
        {
            var members = group.ToArray();
            if (members.Length == 2)
            {
                twinOf[members[0]] = members[1];
                twinOf[members[1]] = members[0];
            }
        }

        if (twinOf.Count == 0)
        {
            return double.NaN;
        }

        var items = twinOf.Keys.Order().ToArray();
        var clipRows = new Dictionary<int, int>();
        var clips = new List<Tensor>();
        const int batch = 64;
        for (int start = 0; start < items.Length; start += batch)
        {
            var part = items.Skip(start).Take(batch).ToArray();
            clips.Add(nn.functional.normalize(ClipPretrainer.VisualFeatures(model, strips, part, pooling), dim: -1));
            for (int k = 0; k < part.Length; k++)
            {
                clipRows[part[k]] = start + k;
            }
        }

        var clipEmbeddings = cat(clips, 0);
        int correct = 0, total = 0;
        foreach (int item in items)
        {
            int captions = strips.Captions[item].Count;
            var (ids, ends) = ClipPretrainer.AllCaptionTokens(strips.Captions[item]);
            var text = nn.functional.normalize(model.TextFeatures(ids, ends), dim: -1);
            var own = text.matmul(clipEmbeddings[clipRows[item]]).data<float>().ToArray();
            var twin = text.matmul(clipEmbeddings[clipRows[twinOf[item]]]).data<float>().ToArray();
            for (int c = 0; c < captions; c++)
            {
                correct += own[c] > twin[c] ? 1 : 0;
                total++;
            }
        }

        return 100.0 * correct / total;
    }
}

using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>Share of caption queries that rank their own clip strictly above its group twin (chance 50%).</summary>
public sealed record ReversalResult(int Queries, int Pairs, double Accuracy);

/// <summary>
/// The time-reversal test of the synthetic world: clips of a group of two are a clip and its reversed twin; each
/// caption of either clip is a query, correct when it scores its own clip strictly higher than the twin
/// (a tie is wrong: a model that ignores frame order scores 50% at best by chance, 0% with exact ties).
/// </summary>
public static class ReversalTest
{
    public static ReversalResult Evaluate(float[,] textToVideo, IReadOnlyList<int> captionVideo, IReadOnlyList<string?> videoGroups)
    {
        var twins = new Dictionary<int, int>();
        foreach (var group in videoGroups.Select((g, i) => (g, i)).Where(x => x.g is not null).GroupBy(x => x.g, StringComparer.Ordinal))
        {
            var members = group.Select(x => x.i).ToArray();
            if (members.Length == 2)
            {
                twins[members[0]] = members[1];
                twins[members[1]] = members[0];
            }
        }

        int queries = 0, correct = 0;
        for (int c = 0; c < captionVideo.Count; c++)
        {
            if (twins.TryGetValue(captionVideo[c], out int twin))
            {
                queries++;
                correct += textToVideo[c, captionVideo[c]] > textToVideo[c, twin] ? 1 : 0;
            }
        }

        if (queries == 0)
        {
            throw VidSearchException.Argument("reversal", "no captioned clip has a group twin");
        }

        return new ReversalResult(queries, twins.Count / 2, 100.0 * correct / queries);
    }
}

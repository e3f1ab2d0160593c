using VidSearch.Core;

namespace VidSearch.Eval.Metrics;

/// <summary>
/// Ranks of the ground truth in rows of a similarity matrix (rows = queries, columns = candidates).
/// Tie policy (pessimistic): the ground truth is ranked after every other candidate with an equal score, so
/// rank = number of wrong candidates whose score is &gt;= the ground truth's. With several correct candidates
/// (v2t over multi-caption sets) the best-scored one counts: rank = number of wrong candidates scored &gt;= the
/// highest correct score. NaN scores are rejected.
/// </summary>
public static class RankCalculator
{
    public const string TiePolicy = "pessimistic: the ground truth is ranked after every other candidate with an equal score";

    /// <summary>0-based rank of the single correct column <paramref name="truth"/>[i] in each row i.</summary>
    public static int[] Ranks(float[,] similarity, IReadOnlyList<int> truth)
    {
        int rows = similarity.GetLength(0);
        if (truth.Count != rows)
        {
            throw VidSearchException.Argument("ground truth", $"{truth.Count} entries for {rows} query rows");
        }

        var sets = new int[rows][];
        for (int i = 0; i < rows; i++)
        {
            sets[i] = [truth[i]];
        }

        return Ranks(similarity, sets);
    }

    /// <summary>0-based rank of the best-scored correct column of each row.</summary>
    public static int[] Ranks(float[,] similarity, IReadOnlyList<IReadOnlyList<int>> truth)
    {
        int rows = similarity.GetLength(0), cols = similarity.GetLength(1);
        if (truth.Count != rows)
        {
            throw VidSearchException.Argument("ground truth", $"{truth.Count} entries for {rows} query rows");
        }

        var ranks = new int[rows];
        var isTruth = new bool[cols];
        for (int i = 0; i < rows; i++)
        {
            var correct = truth[i];
            if (correct.Count == 0)
            {
                throw VidSearchException.Argument("ground truth", $"query {i} has no correct candidate");
            }

            float best = float.NegativeInfinity;
            foreach (int c in correct)
            {
                if ((uint)c >= (uint)cols)
                {
                    throw VidSearchException.Argument("ground truth", $"query {i}: column {c} is outside the {cols} candidates");
                }

                isTruth[c] = true;
                best = Math.Max(best, Check(similarity[i, c], i, c));
            }

            int rank = 0;
            for (int j = 0; j < cols; j++)
            {
                if (!isTruth[j] && Check(similarity[i, j], i, j) >= best)
                {
                    rank++;
                }
            }

            foreach (int c in correct)
            {
                isTruth[c] = false;
            }

            ranks[i] = rank;
        }

        return ranks;
    }

    private static float Check(float value, int row, int col)
        => float.IsNaN(value) ? throw new VidSearchException(ErrorKind.InvalidInput, "similarity matrix", $"NaN at ({row}, {col})") : value;
}

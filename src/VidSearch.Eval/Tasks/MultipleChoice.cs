using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>A multiple-choice question: the video, the embedded candidate answers and the index of the right one.</summary>
public sealed record ChoiceQuestion(FrameEmbeddings Video, EmbeddingMatrix Choices, int Answer);

/// <summary>Accuracy of multiple-choice answering.</summary>
public sealed record ChoiceResult(int Questions, double Accuracy, double Chance);

/// <summary>
/// Multiple-choice question answering by scoring each candidate answer against the video with the head; the
/// best-scored candidate is the prediction. A tie between the right answer and a wrong one counts as wrong
/// (the same pessimistic policy as retrieval).
/// </summary>
public static class MultipleChoice
{
    public static ChoiceResult Evaluate(IVideoTextScorer head, IReadOnlyList<ChoiceQuestion> questions)
    {
        if (questions.Count == 0)
        {
            throw VidSearchException.Argument("multiple choice", "no questions (no rows with choices and answer)");
        }

        int correct = 0;
        double chance = 0;
        foreach (var q in questions)
        {
            if ((uint)q.Answer >= (uint)q.Choices.Rows)
            {
                throw VidSearchException.Argument("multiple choice", $"answer {q.Answer} outside the {q.Choices.Rows} choices");
            }

            var scores = head.Score([q.Video], q.Choices);
            float right = scores[q.Answer, 0];
            bool wins = true;
            for (int c = 0; c < q.Choices.Rows; c++)
            {
                if (c != q.Answer && scores[c, 0] >= right)
                {
                    wins = false;
                    break;
                }
            }

            correct += wins ? 1 : 0;
            chance += 100.0 / q.Choices.Rows;
        }

        return new ChoiceResult(questions.Count, 100.0 * correct / questions.Count, chance / questions.Count);
    }
}

using VidSearch.Retrieval.Heads;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Losses;

/// <summary>
/// The training loss of a head on a batch: the contrastive loss of its [Q, B] score matrix plus the head's own
/// regularisation (<see cref="IRegularizedHead"/>, e.g. prototype diversity). Queued negatives apply to
/// query-independent heads only (a queue holds embeddings, not frames).
/// </summary>
public static class HeadObjective
{
    public static Tensor Loss(IVideoHead head, ContrastiveLoss contrastive, TextInputs text, VideoInputs video, Tensor? positives = null, NegativeQueue? queue = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(contrastive);
        using var scope = NewDisposeScope();
        Tensor loss;
        if (queue is not null && queue.Count > 0)
        {
            if (head.IsQueryConditioned)
            {
                throw Core.VidSearchException.Argument("queue", $"head '{head.Name}' is query-conditioned; a negative queue needs a query-independent head");
            }

            loss = contrastive.FromEmbeddings(text.Sentence, head.VideoEmbedding(video.Frames, video.Mask), positives, queue);
        }
        else
        {
            loss = contrastive.Forward(head.Score(text, video), positives);
        }

        if (head is IRegularizedHead regularized)
        {
            loss = loss + regularized.RegularizationLoss(video);
        }

        return loss.MoveToOuterDisposeScope();
    }
}

using VidSearch.Retrieval.Heads;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Training;

/// <summary>Training-time frame selection (Singularity trains on one frame per video and ensembles at inference).</summary>
public static class FrameSubsampling
{
    /// <summary>
    /// One valid frame per video, drawn uniformly with torch's generator (deterministic under the Trainer's seeding):
    /// [B, T, D] -> [B, 1, D] with an all-true mask. Patch tokens, when present, follow the chosen frame.
    /// </summary>
    public static VideoInputs SingleFrame(VideoInputs video)
    {
        ArgumentNullException.ThrowIfNull(video);
        using var scope = NewDisposeScope();
        var weights = video.Mask.to_type(ScalarType.Float32);
        if (weights.sum(1).le(0).any().item<bool>())
        {
            throw Core.VidSearchException.Argument("video.Mask", "a video has no valid frame");
        }

        var chosen = weights.multinomial(1);
        long b = video.Frames.shape[0], d = video.Frames.shape[2];
        var frames = video.Frames.gather(1, chosen.view(b, 1, 1).expand(b, 1, d));
        Tensor? patches = null;
        if (video.Patches is not null)
        {
            long p = video.Patches.shape[2];
            patches = video.Patches.gather(1, chosen.view(b, 1, 1, 1).expand(b, 1, p, d)).MoveToOuterDisposeScope();
        }

        var mask = ones(b, 1, dtype: ScalarType.Bool, device: video.Mask.device);
        return new VideoInputs(frames.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), patches);
    }
}

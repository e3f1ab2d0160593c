using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Synthetic.Manifest;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// Clips encoded once by the frozen CLIP: normalised frame embeddings [N, T, E], mask [N, T], and (when the image
/// encoder must run again, for temporal attention) the preprocessed pixels [N, T, 3, S, S]. Rows keep the
/// manifest metadata (captions, label, group, choices).
/// </summary>
public sealed class VideoSet : IDisposable
{
    private VideoSet(IReadOnlyList<ManifestRow> rows, Tensor frames, Tensor mask, Tensor? pixels)
    {
        Rows = rows;
        Frames = frames;
        Mask = mask;
        Pixels = pixels;
    }

    public IReadOnlyList<ManifestRow> Rows { get; }

    public int Count => Rows.Count;

    public Tensor Frames { get; }

    public Tensor Mask { get; }

    public Tensor? Pixels { get; }

    /// <summary>Runs the frozen image encoder over every sampled frame (no gradients, batches of 256 frames).</summary>
    public static VideoSet Encode(ClipModel clip, IReadOnlyList<VideoClipPixels> clips, bool keepPixels, IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clips.Count == 0)
        {
            throw VidSearchException.Argument("clips", "no clip to encode");
        }

        int t = clips[0].Mask.Length;
        if (clips.Any(c => c.Mask.Length != t))
        {
            throw VidSearchException.Argument("sampling", "clips have different frame counts; use a fixed-count sampling such as uniform:8");
        }

        int s = clip.Config.ImageSize;
        int imageLength = 3 * s * s;
        if (clips[0].Pixels.Length != t * imageLength)
        {
            throw VidSearchException.Argument("clips", $"frames were preprocessed for another image size (model expects {s}x{s})");
        }

        var pixels = new float[(long)clips.Count * t * imageLength];
        var mask = new bool[clips.Count * t];
        for (int i = 0; i < clips.Count; i++)
        {
            clips[i].Pixels.CopyTo(pixels, (long)i * t * imageLength);
            clips[i].Mask.CopyTo(mask, i * t);
        }

        var pixelTensor = tensor(pixels, [clips.Count, t, 3, s, s]);
        var maskTensor = tensor(mask, [clips.Count, t]);
        int e = clip.EmbeddingDim;
        var frames = zeros(clips.Count * t, e);
        var flat = pixelTensor.view(clips.Count * t, 3, s, s);
        const int batch = 256;
        using (no_grad())
        {
            for (long start = 0; start < clips.Count * t; start += batch)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long n = Math.Min(batch, clips.Count * t - start);
                var features = nn.functional.normalize(clip.ImageFeatures(flat.narrow(0, start, n)), dim: -1);
                frames.narrow(0, start, n).copy_(features);
                progress?.Report(new WorkProgress("encode frames", start + n, clips.Count * t, "frames"));
            }
        }

        var rows = clips.Select(c => c.Row).ToList();
        if (!keepPixels)
        {
            pixelTensor.Dispose();
        }

        return new VideoSet(rows, frames.view(clips.Count, t, e), maskTensor, keepPixels ? pixelTensor : null);
    }

    /// <summary>A new set of the given rows (copies of their frames, mask and pixels).</summary>
    public VideoSet Select(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || rows.Any(r => r < 0 || r >= Count))
        {
            throw VidSearchException.Argument("rows", $"need 1 or more row indices in [0, {Count})");
        }

        using var index = tensor(rows.Select(r => (long)r).ToArray());
        return new VideoSet(rows.Select(r => Rows[r]).ToList(), Frames.index_select(0, index), Mask.index_select(0, index), Pixels?.index_select(0, index));
    }

    public void Dispose()
    {
        Frames.Dispose();
        Mask.Dispose();
        Pixels?.Dispose();
    }
}

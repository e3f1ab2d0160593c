using System.Security.Cryptography;
using VidSearch.Core;
using VidSearch.Index.Indexing;

namespace VidSearch.Index.CrashHelper;

/// <summary>
/// Stands in for the media pipeline and the model: a "video" is any file; its content seeds deterministic unit
/// embeddings (1 to 4 segments of 2 s, plus 2 frames per segment). A file starting with "BAD" is unreadable.
/// An optional delay per video makes runs slow enough to be killed mid-way.
/// </summary>
public sealed class FakeVideoEmbedder(int dim, TimeSpan delayPerVideo = default, string? logPath = null) : IVideoEmbedder
{
    private readonly Lock _logLock = new();
    private int _calls;

    public int Calls => _calls;

    public VideoEmbedding Embed(string path, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (logPath is not null)
        {
            lock (_logLock)
            {
                File.AppendAllText(logPath, path + "\n");
            }
        }

        byte[] content = File.ReadAllBytes(path);
        if (content.Length >= 3 && content[0] == 'B' && content[1] == 'A' && content[2] == 'D')
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a video (fake embedder)");
        }

        if (delayPerVideo > TimeSpan.Zero)
        {
            Task.Delay(delayPerVideo, cancellationToken).GetAwaiter().GetResult();
        }

        var seed = BitConverter.ToInt32(SHA256.HashData(content));
        var random = new Random(seed);
        int segments = 1 + (int)((uint)seed % 4);
        var result = new List<EmbeddedSegment>();
        var frames = new EmbeddingMatrix(segments * 2, dim);
        var timestamps = new double[segments * 2];
        for (int s = 0; s < segments; s++)
        {
            result.Add(new EmbeddedSegment(2.0 * s, 2.0 * s + 2, UnitVector(random, dim)));
            for (int f = 0; f < 2; f++)
            {
                UnitVector(random, dim).CopyTo(frames.Row(2 * s + f));
                timestamps[2 * s + f] = 2.0 * s + 0.5 + f;
            }
        }

        return new VideoEmbedding(2.0 * segments, result, new FrameEmbeddings(frames, timestamps, Enumerable.Repeat(true, segments * 2).ToArray()))
        {
            FramesEncoded = segments * 2,
        };
    }

    public static float[] UnitVector(Random random, int dim)
    {
        var v = new float[dim];
        for (int i = 0; i < dim; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        VectorMath.NormalizeInPlace(v);
        return v;
    }
}

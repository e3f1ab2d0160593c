using VidSearch.Core;
using VidSearch.Models.Video;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Video;

/// <summary>Videos embedded at once share the encoder one batch at a time (their decoding still overlaps).</summary>
public class OneAtATimeImageEncoderTests
{
    /// <summary>Embeds each image as its first value and 1; records how many calls were running at once.</summary>
    private sealed class OverlapCountingEncoder(int imageSize, bool waitForCompany = false) : IImageEncoder
    {
        private int running;
        private bool waited;

        public int MostAtOnce { get; private set; }

        public int Calls { get; private set; }

        public int EmbeddingDim => 2;

        public PreprocessConfig Preprocess => PreprocessConfig.Clip(imageSize);

        public EmbeddingMatrix EncodeImages(ImageBatch batch)
        {
            int now = Interlocked.Increment(ref running);
            bool wait;
            lock (this)
            {
                wait = waitForCompany && !waited;
                waited = true;
            }

            // The first call may wait (3 s at most) for a second one to start beside it.
            if (wait)
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref running) >= 2, 3000);
            }

            lock (this)
            {
                MostAtOnce = Math.Max(MostAtOnce, Math.Max(now, Volatile.Read(ref running)));
                Calls++;
            }

            Thread.Sleep(15);
            var result = new EmbeddingMatrix(batch.Count, 2);
            for (int i = 0; i < batch.Count; i++)
            {
                result.Row(i)[0] = batch.Image(i)[0];
                result.Row(i)[1] = 1;
            }

            Interlocked.Decrement(ref running);
            return result;
        }
    }

    [Fact]
    public void Concurrent_callers_take_turns_and_get_their_own_results()
    {
        var inner = new OverlapCountingEncoder(1);
        var encoder = new OneAtATimeImageEncoder(inner);
        var results = new float[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            results[i] = encoder.EncodeImages(new ImageBatch([i, 0, 0], 1, 1, 1)).Row(0)[0]);
        Assert.Equal(1, inner.MostAtOnce);
        Assert.Equal(8, inner.Calls);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (float)i), results);
        Assert.Equal((2, 1), (encoder.EmbeddingDim, encoder.Preprocess.ImageSize));
    }

    [Fact]
    public void Videos_embedded_at_once_by_one_pipeline_never_encode_at_the_same_time()
    {
        var inner = new OverlapCountingEncoder(32);
        var pipeline = new VideoEmbeddingPipeline(inner, "fps:2", new VideoEmbeddingOptions { BatchSize = 2 });
        string[] videos = [SharedData.Real("msrvtt", "video9770.mp4"), SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4"), SharedData.Real("actions", "mmaction2_demo_armwrestling.mp4")];
        var embedded = videos.AsParallel().WithDegreeOfParallelism(3).Select(v => pipeline.Embed(v, cancellationToken: TestContext.Current.CancellationToken)).ToList();
        Assert.All(embedded, e => Assert.True(e.FramesEncoded >= 10, $"{e.Info.Path}: {e.FramesEncoded} frames"));
        Assert.True(inner.Calls >= 15, $"{inner.Calls} calls");
        Assert.Equal(1, inner.MostAtOnce);
    }

    [Fact]
    public void Encoders_limited_to_a_share_of_the_cores_may_run_side_by_side()
    {
        Assert.True(VideoEmbeddingOptions.TurnsNeeded(threads: null, jobs: 2, cores: 16));
        Assert.True(VideoEmbeddingOptions.TurnsNeeded(threads: 2, jobs: 2, cores: 2));
        Assert.True(VideoEmbeddingOptions.TurnsNeeded(threads: 9, jobs: 2, cores: 16));
        Assert.False(VideoEmbeddingOptions.TurnsNeeded(threads: 1, jobs: 2, cores: 2));
        Assert.False(VideoEmbeddingOptions.TurnsNeeded(threads: 8, jobs: 2, cores: 16));
        Assert.False(VideoEmbeddingOptions.TurnsNeeded(threads: 4, jobs: 1, cores: 4));

        var inner = new OverlapCountingEncoder(32, waitForCompany: true);
        var pipeline = new VideoEmbeddingPipeline(inner, "fps:2", new VideoEmbeddingOptions { BatchSize = 2, EncodesTakeTurns = false });
        string[] videos = [SharedData.Real("msrvtt", "video9770.mp4"), SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4")];
        _ = videos.AsParallel().WithDegreeOfParallelism(2).Select(v => pipeline.Embed(v, cancellationToken: TestContext.Current.CancellationToken)).ToList();
        Assert.Equal(2, inner.MostAtOnce);
    }
}

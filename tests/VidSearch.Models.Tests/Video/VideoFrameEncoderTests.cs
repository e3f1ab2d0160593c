using System.Collections.Concurrent;
using VidSearch.Core;
using VidSearch.Models.Video;

namespace VidSearch.Models.Tests.Video;

public class VideoFrameEncoderTests
{
    /// <summary>Embeds each 1x1 image as (value, 1): frame order and batch sizes are visible in the output.</summary>
    private sealed class RecordingEncoder(Action<ImageBatch>? onEncode = null) : IImageEncoder
    {
        public ConcurrentQueue<int> BatchSizes { get; } = new();

        public int EmbeddingDim => 2;

        public PreprocessConfig Preprocess => PreprocessConfig.Clip(1);

        public EmbeddingMatrix EncodeImages(ImageBatch batch)
        {
            onEncode?.Invoke(batch);
            BatchSizes.Enqueue(batch.Count);
            var result = new EmbeddingMatrix(batch.Count, 2);
            for (int i = 0; i < batch.Count; i++)
            {
                result.Row(i)[0] = batch.Image(i)[0];
                result.Row(i)[1] = 1;
            }

            return result;
        }
    }

    private static ImageBatch Frames(int first, int count)
    {
        var data = new float[count * 3];
        for (int i = 0; i < count; i++)
        {
            data[i * 3] = first + i;
        }

        return new ImageBatch(data, count, 1, 1);
    }

    [Fact]
    public void Frames_are_regrouped_into_batches_and_keep_their_order()
    {
        var encoder = new RecordingEncoder();
        var frames = new VideoFrameEncoder(encoder, batchSize: 4);
        var progress = new List<WorkProgress>();
        var result = frames.Encode([Frames(0, 3), Frames(3, 4), Frames(7, 1), Frames(8, 0), Frames(8, 4), Frames(12, 1)],
            new SyncProgress(progress.Add), totalFrames: 13, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(13, result.Rows);
        Assert.Equal(Enumerable.Range(0, 13).Select(i => (float)i), Enumerable.Range(0, 13).Select(i => result.Row(i)[0]));
        Assert.Equal([4, 4, 4, 1], encoder.BatchSizes);
        Assert.Equal(13, progress[^1].Done);
        Assert.Equal(13, progress[^1].Total);
    }

    [Fact]
    public void Decoding_runs_on_another_thread_while_encoding()
    {
        // Handshake: the first encode signals that it started and waits for the producer, which (making its third batch)
        // waits for that signal. A design that decodes and encodes in turn would time out on both sides.
        using var encodingStarted = new ManualResetEventSlim();
        using var producerSawEncoding = new ManualResetEventSlim();
        bool encoderSawProducer = false, producerSawEncoder = false;
        int producerThread = 0, encoderThread = 0;
        var encoder = new RecordingEncoder(batch =>
        {
            if (batch.Image(0)[0] == 0)
            {
                encoderThread = Environment.CurrentManagedThreadId;
                encodingStarted.Set();
                encoderSawProducer = producerSawEncoding.Wait(TimeSpan.FromSeconds(10));
            }
        });

        IEnumerable<ImageBatch> Produce()
        {
            for (int i = 0; i < 6; i++)
            {
                if (i == 2)
                {
                    producerSawEncoder = encodingStarted.Wait(TimeSpan.FromSeconds(10));
                    producerThread = Environment.CurrentManagedThreadId;
                    producerSawEncoding.Set();
                }

                yield return Frames(i * 2, 2);
            }
        }

        var result = new VideoFrameEncoder(encoder, batchSize: 2, queueCapacity: 2).Encode(Produce(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(producerSawEncoder, "the producer never saw an encode in progress");
        Assert.True(encoderSawProducer, "the encoder never saw the producer working");
        Assert.NotEqual(encoderThread, producerThread);
        Assert.Equal(12, result.Rows);
    }

    [Fact]
    public async Task A_failing_producer_reports_its_own_error()
    {
        IEnumerable<ImageBatch> Produce()
        {
            yield return Frames(0, 2);
            throw new VidSearchException(ErrorKind.InvalidInput, "clip.mp4", "corrupt frame");
        }

        var error = await Assert.ThrowsAsync<VidSearchException>(() => new VideoFrameEncoder(new RecordingEncoder(), 2).EncodeAsync(Produce(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("clip.mp4: corrupt frame", error.Message);
    }

    [Fact]
    public async Task A_failing_encoder_stops_the_producer()
    {
        int produced = 0;
        IEnumerable<ImageBatch> Produce()
        {
            for (int i = 0; i < 1000; i++)
            {
                produced++;
                yield return Frames(i, 1);
            }
        }

        var encoder = new RecordingEncoder(_ => throw new InvalidOperationException("encoder broke"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new VideoFrameEncoder(encoder, 1, 2).EncodeAsync(Produce(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("encoder broke", error.Message);
        Assert.True(produced < 1000, $"producer went on to {produced}");
    }

    [Fact]
    public async Task Producer_delegate_form_and_empty_input_work()
    {
        var encoder = new RecordingEncoder();
        var frames = new VideoFrameEncoder(encoder, 3);
        var result = await frames.EncodeAsync(async (writer, token) =>
        {
            await writer.WriteAsync(Frames(0, 2), token);
            await writer.WriteAsync(Frames(2, 2), token);
        }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([0f, 1f, 2f, 3f], Enumerable.Range(0, 4).Select(i => result.Row(i)[0]));
        Assert.Equal(0, frames.Encode([], cancellationToken: TestContext.Current.CancellationToken).Rows);
        Assert.Throws<VidSearchException>(() => new VideoFrameEncoder(encoder, 0));
        Assert.Throws<VidSearchException>(() => frames.Encode([Frames(0, 1), new ImageBatch(new float[12], 1, 2, 2)], cancellationToken: TestContext.Current.CancellationToken));
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}

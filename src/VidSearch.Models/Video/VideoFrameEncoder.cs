using System.Threading.Channels;
using VidSearch.Core;

namespace VidSearch.Models.Video;

/// <summary>
/// Encodes a stream of decoded frames while the next frames are being decoded: the producer (e.g. an ffmpeg decoder)
/// runs on a background thread and hands batches through a bounded channel; this thread regroups the images into
/// batches of <see cref="BatchSize"/> and encodes them. Memory stays bounded by the channel capacity.
/// </summary>
public sealed class VideoFrameEncoder
{
    private readonly IImageEncoder encoder;

    public VideoFrameEncoder(IImageEncoder encoder, int batchSize, int queueCapacity = 4)
    {
        if (batchSize <= 0)
        {
            throw VidSearchException.Argument("batch size", $"must be positive (got {batchSize})");
        }

        if (queueCapacity <= 0)
        {
            throw VidSearchException.Argument("queue capacity", $"must be positive (got {queueCapacity})");
        }

        this.encoder = encoder;
        BatchSize = batchSize;
        QueueCapacity = queueCapacity;
    }

    public int BatchSize { get; }

    /// <summary>Decoded batches that may wait for the encoder.</summary>
    public int QueueCapacity { get; }

    /// <summary>Encodes the frames the enumerable yields; the enumeration (decoding) runs on a background thread.</summary>
    public Task<EmbeddingMatrix> EncodeAsync(IEnumerable<ImageBatch> batches, IProgress<WorkProgress>? progress = null,
        long? totalFrames = null, CancellationToken cancellationToken = default) =>
        EncodeAsync(async (writer, token) =>
        {
            foreach (var batch in batches)
            {
                token.ThrowIfCancellationRequested();
                await writer.WriteAsync(batch, token).ConfigureAwait(false);
            }
        }, progress, totalFrames, cancellationToken);

    /// <summary>
    /// Encodes the frames a producer writes to the channel; the producer runs on a background thread and must not
    /// complete the writer (this method does). Rows come in the order the frames were written.
    /// </summary>
    public async Task<EmbeddingMatrix> EncodeAsync(Func<ChannelWriter<ImageBatch>, CancellationToken, Task> producer,
        IProgress<WorkProgress>? progress = null, long? totalFrames = null, CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<ImageBatch>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producing = Task.Run(async () =>
        {
            try
            {
                await producer(channel.Writer, stop.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                throw;
            }
        }, CancellationToken.None);

        var parts = new List<EmbeddingMatrix>();
        float[]? pending = null;
        int pendingCount = 0, height = 0, width = 0;
        long done = 0;

        void Flush()
        {
            if (pendingCount == 0)
            {
                return;
            }

            var data = pendingCount == BatchSize ? pending! : pending.AsSpan(0, pendingCount * 3 * height * width).ToArray();
            parts.Add(encoder.EncodeImages(new ImageBatch(data, pendingCount, height, width)));
            done += pendingCount;
            progress?.Report(new WorkProgress("encode frames", done, totalFrames, "frames"));
            pending = null;
            pendingCount = 0;
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var batch))
                {
                    if (batch.Count == 0)
                    {
                        continue;
                    }

                    if (pendingCount > 0 && (batch.Height != height || batch.Width != width))
                    {
                        throw VidSearchException.Argument("frames",
                            $"a batch of {batch.Width}x{batch.Height} images follows {width}x{height} images");
                    }

                    if (pendingCount == 0 && batch.Count == BatchSize)
                    {
                        parts.Add(encoder.EncodeImages(batch));
                        done += batch.Count;
                        progress?.Report(new WorkProgress("encode frames", done, totalFrames, "frames"));
                        continue;
                    }

                    height = batch.Height;
                    width = batch.Width;
                    for (int i = 0; i < batch.Count; i++)
                    {
                        pending ??= new float[BatchSize * batch.ImageLength];
                        batch.Image(i).CopyTo(pending.AsSpan(pendingCount * batch.ImageLength));
                        if (++pendingCount == BatchSize)
                        {
                            Flush();
                        }
                    }
                }
            }

            Flush();
        }
        catch (Exception consumerError)
        {
            // Stop the producer; when decoding was the cause, report the producer's own exception.
            stop.Cancel();
            try
            {
                await producing.ConfigureAwait(false);
            }
            catch (Exception producerError) when (consumerError is ChannelClosedException || ReferenceEquals(consumerError, producerError))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(producerError);
            }
            catch
            {
                // The producer was cancelled because the encoder failed: the encoder's error is the one to report.
            }

            throw;
        }

        // Rethrows the producer's own exception (not the channel's wrapper) when decoding failed.
        await producing.ConfigureAwait(false);
        return parts.Count == 0 ? new EmbeddingMatrix(0, encoder.EmbeddingDim) : EmbeddingMatrix.Concat(parts);
    }

    /// <summary>Synchronous form of <see cref="EncodeAsync(IEnumerable{ImageBatch}, IProgress{WorkProgress}?, long?, CancellationToken)"/>.</summary>
    public EmbeddingMatrix Encode(IEnumerable<ImageBatch> batches, IProgress<WorkProgress>? progress = null, long? totalFrames = null,
        CancellationToken cancellationToken = default) =>
        EncodeAsync(batches, progress, totalFrames, cancellationToken).GetAwaiter().GetResult();
}

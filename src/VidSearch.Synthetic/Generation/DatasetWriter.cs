using System.Diagnostics;
using System.Text.Json;
using VidSearch.Core;
using VidSearch.Media.Encoding;
using VidSearch.Media.Imaging;
using VidSearch.Synthetic.Manifest;
using VidSearch.Synthetic.Rendering;

namespace VidSearch.Synthetic.Generation;

/// <summary>What one task's dataset holds and how long it took to write.</summary>
public sealed record TaskSummary(string Task, string Folder, int Rows, int Videos, int Images, long Frames, double Seconds)
{
    /// <summary>Clips (or images) written per second.</summary>
    public double ItemsPerSecond => Seconds > 0 ? (Videos + Images) / Seconds : 0;
}

public sealed record DatasetSummary(string Folder, long Seed, IReadOnlyList<TaskSummary> Tasks, double Seconds);

/// <summary>
/// Writes the datasets of the synthetic world: for each task a folder &lt;out&gt;/&lt;task&gt;/ holding
/// manifest.jsonl and the videos (mp4, one ffmpeg process per clip, several at once) or images (PNG).
/// The manifest is written last, so a folder with a manifest is complete. &lt;out&gt;/synth.json records
/// the options, so `vidsearch synth` with them reproduces the same datasets.
/// </summary>
public sealed class DatasetWriter
{
    private readonly WorldOptions _options;
    private readonly Mp4WriterOptions _encoder;
    private readonly DatasetPlanner _planner;

    public DatasetWriter(WorldOptions options, Mp4WriterOptions? encoder = null)
    {
        _options = options.Validate();
        _encoder = encoder ?? new Mp4WriterOptions();
        _planner = new DatasetPlanner(options);
    }

    public DatasetPlanner Planner => _planner;

    public async Task<DatasetSummary> WriteAsync(string outFolder, IReadOnlyList<SyntheticTask> tasks,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(outFolder))
        {
            throw VidSearchException.Argument("--out", "no output folder given");
        }

        if (File.Exists(outFolder))
        {
            throw VidSearchException.Argument(outFolder, "is a file, expected a folder");
        }

        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(outFolder);
        await File.WriteAllTextAsync(Path.Combine(outFolder, "synth.json"), JsonSerializer.Serialize(new
        {
            tasks = tasks.Select(t => t.Name()).ToArray(),
            options = _options,
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n", cancellationToken);

        var summaries = new List<TaskSummary>();
        foreach (var task in tasks)
        {
            summaries.Add(await WriteTaskAsync(Path.Combine(outFolder, task.Name()), task, progress, cancellationToken));
        }

        return new DatasetSummary(Path.GetFullPath(outFolder), _options.Seed, summaries, total.Elapsed.TotalSeconds);
    }

    /// <summary>Writes one task's dataset into <paramref name="folder"/>.</summary>
    public async Task<TaskSummary> WriteTaskAsync(string folder, SyntheticTask task, IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var items = _planner.Plan(task);
        bool images = task is SyntheticTask.Static or SyntheticTask.Motion;
        Directory.CreateDirectory(Path.Combine(folder, task == SyntheticTask.Motion ? "strips" : images ? "images" : "videos"));
        string manifest = Path.Combine(folder, ManifestWriter.FileName);
        File.Delete(manifest);

        string label = images ? $"render {task.Name()} images" : $"render {task.Name()} clips";
        string unit = images ? "images" : "clips";
        long done = 0, frames = 0;
        progress?.Report(new WorkProgress(label, 0, items.Count, unit));
        void Advance(int framesWritten)
        {
            Interlocked.Add(ref frames, framesWritten);
            long now = Interlocked.Increment(ref done);
            progress?.Report(new WorkProgress(label, now, items.Count, unit));
        }

        int perBatch = images ? 64 : _options.ClipsPerEncoder;
        var batches = items.Chunk(perBatch).ToList();
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            (batch, ct) =>
            {
                if (images)
                {
                    foreach (var item in batch)
                    {
                        ct.ThrowIfCancellationRequested();
                        Advance(WriteImage(item, Path.Combine(folder, item.Row.Media)));
                    }
                }
                else if (batch.Length == 1 || perBatch == 1)
                {
                    foreach (var item in batch)
                    {
                        Advance(WriteVideo(item, Path.Combine(folder, item.Row.Media), ct));
                    }
                }
                else
                {
                    WriteVideos(batch, folder, Advance, ct);
                }

                return ValueTask.CompletedTask;
            });

        ManifestWriter.Write(manifest, items.Select(i => i.Row));
        return new TaskSummary(task.Name(), Path.GetFullPath(folder), items.Count, images ? 0 : items.Count, images ? items.Count : 0, frames, watch.Elapsed.TotalSeconds);
    }

    private int WriteVideo(DatasetItem item, string path, CancellationToken ct)
    {
        var renderer = new FrameRenderer(item.Clip);
        var frame = new byte[renderer.FrameLength];
        using var writer = new Mp4Writer(path, renderer.Width, renderer.Height, item.Clip.Fps, _encoder);
        for (int f = 0; f < renderer.FrameCount; f++)
        {
            ct.ThrowIfCancellationRequested();
            renderer.Render(f, frame);
            writer.WriteFrame(frame);
        }

        writer.Complete();
        return renderer.FrameCount;
    }

    private void WriteVideos(DatasetItem[] batch, string folder, Action<int> advance, CancellationToken ct)
    {
        var first = batch[0].Clip;
        using var writer = new Mp4BatchWriter(
            batch.Select(i => Path.Combine(folder, i.Row.Media)).ToList(),
            batch.Select(i => i.Clip.FrameCount).ToList(),
            first.CanvasSize,
            first.CanvasSize,
            first.Fps,
            _encoder);
        var frame = new byte[first.CanvasSize * first.CanvasSize * 3];
        foreach (var item in batch)
        {
            var renderer = new FrameRenderer(item.Clip);
            for (int f = 0; f < renderer.FrameCount; f++)
            {
                ct.ThrowIfCancellationRequested();
                renderer.Render(f, frame);
                writer.WriteFrame(frame);
            }

            advance(renderer.FrameCount);
        }

        writer.Complete();
    }

    private static int WriteImage(DatasetItem item, string path)
    {
        var renderer = new FrameRenderer(item.Clip);
        if (item.Row.Frames is not int frames || frames == 1)
        {
            PngWriter.Write(path, renderer.Render(0), renderer.Width, renderer.Height);
            return 1;
        }

        // A film strip: the sampled frames side by side, left to right in time order.
        int width = renderer.Width * frames, rowBytes = renderer.Width * 3;
        var strip = new byte[width * renderer.Height * 3];
        var frame = new byte[renderer.FrameLength];
        var indices = DatasetPlanner.StripFrameIndices(renderer.FrameCount, frames);
        for (int k = 0; k < frames; k++)
        {
            renderer.Render(indices[k], frame);
            for (int y = 0; y < renderer.Height; y++)
            {
                frame.AsSpan(y * rowBytes, rowBytes).CopyTo(strip.AsSpan((y * width + k * renderer.Width) * 3, rowBytes));
            }
        }

        PngWriter.Write(path, strip, width, renderer.Height);
        return frames;
    }
}

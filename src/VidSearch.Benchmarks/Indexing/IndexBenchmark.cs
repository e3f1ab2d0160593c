using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.Media;
using VidSearch.Media.Decoding;
using VidSearch.Media.Preprocessing;
using VidSearch.Media.Sampling;

namespace VidSearch.Benchmarks.Indexing;

/// <summary>What <see cref="IndexBenchmark"/> measures.</summary>
public sealed record IndexBenchmarkOptions
{
    /// <summary>Video files or folders (scanned like `vidsearch index`).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Sampling of both measurements (the `--strategy` of `index`).</summary>
    public required ISamplingStrategy Strategy { get; init; }

    /// <summary>Frames per call to the image encoder, in both measurements.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>At most this many videos (the first in path order).</summary>
    public int MaxVideos { get; init; } = 40;

    /// <summary>Stop collecting pre-decoded frames past this many (bounds the memory of the encode-only baseline).</summary>
    public int MaxFrames { get; init; } = 4000;

    /// <summary>The indexing run's settings (concurrency); text channels are read as `index` does.</summary>
    public IndexOptions Index { get; init; } = new();

    public VectorStorageType Storage { get; init; } = VectorStorageType.Float16;

    /// <summary>Folder for the temporary collection (deleted afterwards); null: the system temp folder.</summary>
    public string? WorkDirectory { get; init; }

    public void Validate()
    {
        if (Inputs.Count == 0)
        {
            throw VidSearchException.Argument("inputs", "give at least one video file or folder");
        }

        if (BatchSize is < 1 or > 4096)
        {
            throw VidSearchException.Argument("--batch-size", $"must be between 1 and 4096, got {BatchSize}");
        }

        if (MaxVideos < 1)
        {
            throw VidSearchException.Argument("--max-videos", $"must be positive, got {MaxVideos}");
        }

        if (MaxFrames < 1)
        {
            throw VidSearchException.Argument("--max-frames", $"must be positive, got {MaxFrames}");
        }

        Index.Validate();
    }
}

/// <summary>One timed phase: frames, seconds, frames per second, and the CPU time the process spent in it (all threads).</summary>
public sealed record PhaseTiming(string Phase, long Frames, double Seconds, double CpuSeconds)
{
    public double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;

    /// <summary>Process CPU time now (user + system, every thread), in seconds.</summary>
    internal static double CpuNow() => Environment.CpuUsage.TotalTime.TotalSeconds;
}

/// <summary>
/// The figures of <see cref="IndexBenchmark"/>: encode-only throughput (before and after the pipeline run, to see
/// drift on a shared machine), the whole pipeline's, and their ratio (the target: at least 0.9).
/// </summary>
public sealed record IndexBenchmarkResult(
    int Videos,
    int VideosIndexed,
    PhaseTiming Decode,
    PhaseTiming DecodeEveryPicture,
    PhaseTiming Preprocess,
    PhaseTiming ScalarPreprocess,
    PhaseTiming EncodeOnlyBefore,
    PhaseTiming EncodeOnlyAfter,
    PhaseTiming Pipeline,
    int Jobs,
    int BatchSize,
    string Strategy,
    IReadOnlyList<IndexFailure> Failures)
{
    /// <summary>Encode-only frames/s: the mean of the runs before and after the pipeline.</summary>
    public double EncodeOnlyFramesPerSecond => (EncodeOnlyBefore.FramesPerSecond + EncodeOnlyAfter.FramesPerSecond) / 2;

    /// <summary>Pipeline frames/s divided by encode-only frames/s.</summary>
    public double Ratio => EncodeOnlyFramesPerSecond > 0 ? Pipeline.FramesPerSecond / EncodeOnlyFramesPerSecond : 0;

    /// <summary>Pictures the decoder produced for <see cref="Decode"/> (it skips those no sampled frame needs, where the codec allows).</summary>
    public long PicturesDecoded { get; init; }

    /// <summary>Pictures the decoder produced for <see cref="DecodeEveryPicture"/> (the same frames, nothing skipped).</summary>
    public long PicturesDecodedEveryPicture { get; init; }

    /// <summary>Logical processors the run had.</summary>
    public int Cores { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The highest ratio the CPU time allows: the pipeline must spend the CPU of encoding, decoding and preprocessing
    /// (as measured serially) on <see cref="Cores"/> cores, so its wall time is at least their sum / cores, against the
    /// encode-only wall time. Below 1 when encoding alone already keeps every core busy and decoding costs real CPU;
    /// no overlap can lift the ratio above it.
    /// </summary>
    public double RatioCeiling
    {
        get
        {
            double encodeWall = (EncodeOnlyBefore.Seconds + EncodeOnlyAfter.Seconds) / 2;
            double encodeCpu = (EncodeOnlyBefore.CpuSeconds + EncodeOnlyAfter.CpuSeconds) / 2;
            double needed = (encodeCpu + Decode.CpuSeconds + Preprocess.CpuSeconds) / Cores;
            return needed > 0 ? encodeWall / needed : 0;
        }
    }

    /// <summary>Share of the cores the pipeline kept busy (its CPU time / (wall time x cores)).</summary>
    public double PipelineCoreUse => Pipeline.Seconds > 0 ? Pipeline.CpuSeconds / (Pipeline.Seconds * Cores) : 0;
}

/// <summary>
/// `vidsearch bench index`: in one run, (1) decodes and preprocesses the sampled frames of the videos into memory
/// (each step timed for information; decoding also without skipping unneeded pictures, to show what skipping saves), (2) encodes them alone, in the batches the pipeline would make (per video, BatchSize
/// frames) - the image-encoding baseline, (3) indexes the same videos into a fresh collection with the
/// <see cref="Indexer"/> and the embedder `vidsearch index` uses (probe, decode, preprocess, encode, store), (4)
/// encodes alone again. Reports frames/s of each and pipeline / encode-only.
/// </summary>
public static class IndexBenchmark
{
    public static IndexBenchmarkResult Run(IndexBenchmarkOptions options, IImageEncoder encoder, IVideoEmbedder embedder, CollectionInfo info,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var files = FileScanner.Scan(options.Inputs, options.Index.VideoExtensions).Files.Take(options.MaxVideos).ToList();
        if (files.Count == 0)
        {
            throw new VidSearchException(ErrorKind.NotFound, string.Join(", ", options.Inputs), "no video files found");
        }

        // 1. Pre-decoded, preprocessed frames, batched per video as the pipeline batches them.
        var sampler = new FrameSampler(options.Strategy);
        var everyPictureSampler = new FrameSampler(options.Strategy, new FrameDecoder { SkipUnwantedPictures = false });
        var everyPictureClock = new Stopwatch();
        double everyPictureCpu = 0;
        long pictures = 0, everyPictures = 0, everyPictureFrames = 0;
        var preprocessor = new ClipPreprocessor(encoder.Preprocess);
        var batches = new List<ImageBatch>();
        var usable = new List<string>();
        long decodedFrames = 0;
        var clock = Stopwatch.StartNew();
        var preprocessClock = new Stopwatch();
        var scalarPreprocessor = new ClipPreprocessor(encoder.Preprocess, new BicubicResizer(vectorized: false));
        var scalarClock = new Stopwatch();
        double decodeCpu = 0, preprocessCpu = 0, scalarCpu = 0;
        for (int v = 0; v < files.Count && decodedFrames < options.MaxFrames; v++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new WorkProgress("decode (baseline)", v, files.Count, "videos", Path.GetFileName(files[v])));
            var images = new List<VidSearch.Media.Imaging.RgbImage>();
            double cpuBefore = PhaseTiming.CpuNow();
            try
            {
                var video = sampler.Open(files[v], cancellationToken);
                var decodeReport = new DecodeReport();
                images.AddRange(video.Frames(decodeReport, null, cancellationToken).Select(f => f.Image));
                pictures += decodeReport.PicturesDecoded;
            }
            catch (VidSearchException)
            {
                continue; // unreadable: left out of both measurements
            }
            finally
            {
                decodeCpu += PhaseTiming.CpuNow() - cpuBefore;
            }

            if (images.Count == 0)
            {
                continue;
            }

            usable.Add(files[v]);

            // The same frames decoded again without skipping (timed apart; the images are dropped).
            everyPictureClock.Start();
            double everyPictureCpuBefore = PhaseTiming.CpuNow();
            var everyReport = new DecodeReport();
            everyPictureFrames += everyPictureSampler.Open(files[v], cancellationToken).Frames(everyReport, null, cancellationToken).Count();
            everyPictures += everyReport.PicturesDecoded;
            everyPictureCpu += PhaseTiming.CpuNow() - everyPictureCpuBefore;
            everyPictureClock.Stop();

            preprocessClock.Start();
            double preprocessCpuBefore = PhaseTiming.CpuNow();
            for (int start = 0; start < images.Count; start += options.BatchSize)
            {
                batches.Add(preprocessor.ProcessBatch(images.GetRange(start, Math.Min(options.BatchSize, images.Count - start))));
            }

            preprocessCpu += PhaseTiming.CpuNow() - preprocessCpuBefore;
            preprocessClock.Stop();

            // The same frames through the scalar resizer (the reference): timed apart, and they must give the same floats.
            scalarClock.Start();
            double scalarCpuBefore = PhaseTiming.CpuNow();
            var scalar = scalarPreprocessor.ProcessBatch(images);
            scalarCpu += PhaseTiming.CpuNow() - scalarCpuBefore;
            scalarClock.Stop();
            int offset = batches.Count - ((images.Count + options.BatchSize - 1) / options.BatchSize);
            for (int i = 0; i < images.Count; i++)
            {
                if (!scalar.Image(i).SequenceEqual(batches[offset + (i / options.BatchSize)].Image(i % options.BatchSize)))
                {
                    throw new VidSearchException(ErrorKind.Incompatible, files[v], $"the vectorized and scalar resizers differ on frame {i} (a bug: please report it)");
                }
            }

            decodedFrames += images.Count;
        }

        var decode = new PhaseTiming("decode (serial)", decodedFrames, (clock.Elapsed - preprocessClock.Elapsed - scalarClock.Elapsed - everyPictureClock.Elapsed).TotalSeconds, decodeCpu);
        var decodeEveryPicture = new PhaseTiming("decode, no picture skipped", everyPictureFrames, everyPictureClock.Elapsed.TotalSeconds, everyPictureCpu);
        var scalarPreprocess = new PhaseTiming("preprocess, scalar resize", decodedFrames, scalarClock.Elapsed.TotalSeconds, scalarCpu);
        var preprocess = new PhaseTiming("preprocess (serial)", decodedFrames, preprocessClock.Elapsed.TotalSeconds, preprocessCpu);
        if (usable.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, string.Join(", ", options.Inputs), "none of the videos could be decoded");
        }

        // Warm-up: the first call allocates and may compile.
        encoder.EncodeImages(batches[0]);
        var before = EncodeOnly("encode only (before)", encoder, batches, progress, cancellationToken);

        string folder = Path.Combine(options.WorkDirectory ?? Path.GetTempPath(), $"vidsearch-bench-index-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        PhaseTiming pipeline;
        IndexReport report;
        try
        {
            using (var store = CollectionStore.OpenOrCreate(Path.Combine(folder, "bench.db"), info with { Storage = options.Storage }))
            {
                clock.Restart();
                double cpuBefore = PhaseTiming.CpuNow();
                report = new Indexer(store, embedder, options.Index).Run(usable, progress, cancellationToken);
                pipeline = new PhaseTiming("index pipeline", report.FramesEncoded, clock.Elapsed.TotalSeconds, PhaseTiming.CpuNow() - cpuBefore);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        var after = EncodeOnly("encode only (after)", encoder, batches, progress, cancellationToken);
        return new IndexBenchmarkResult(usable.Count, report.Added + report.Updated, decode, decodeEveryPicture, preprocess, scalarPreprocess, before, after, pipeline,
            options.Index.EmbedConcurrency, options.BatchSize, options.Strategy.Name, report.Failures)
        {
            PicturesDecoded = pictures,
            PicturesDecodedEveryPicture = everyPictures,
        };
    }

    private static PhaseTiming EncodeOnly(string phase, IImageEncoder encoder, List<ImageBatch> batches, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        long frames = 0;
        double cpuBefore = PhaseTiming.CpuNow();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < batches.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new WorkProgress(phase, frames, null, "frames"));
            var result = encoder.EncodeImages(batches[i]);
            if (result.Rows != batches[i].Count)
            {
                throw new VidSearchException(ErrorKind.Incompatible, "image encoder", $"returned {result.Rows} embeddings for {batches[i].Count} images");
            }

            frames += batches[i].Count;
        }

        return new PhaseTiming(phase, frames, clock.Elapsed.TotalSeconds, PhaseTiming.CpuNow() - cpuBefore);
    }
}

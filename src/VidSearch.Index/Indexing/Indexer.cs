using System.Diagnostics;
using System.Threading.Channels;
using VidSearch.Core;
using VidSearch.Index.Storage;
using VidSearch.Index.TextChannels;

namespace VidSearch.Index.Indexing;

/// <summary>
/// Brings a collection up to date with files on disk: new and changed files are embedded and stored (one
/// transaction per video), unchanged ones skipped (size and mtime, then content hash), deleted ones removed.
/// An interrupted run resumes where it stopped, since every finished video is committed. Unreadable videos are
/// recorded with their reason and the run goes on.
/// </summary>
public sealed class Indexer(CollectionStore store, IVideoEmbedder embedder, IndexOptions? options = null)
{
    private readonly IndexOptions _options = options ?? new IndexOptions();

    public IndexReport Run(IReadOnlyList<string> inputs, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _options.Validate();
        var clock = Stopwatch.StartNew();
        var scan = FileScanner.Scan(inputs, _options.VideoExtensions);
        var stored = store.Videos().ToDictionary(v => v.Path, StringComparer.Ordinal);
        var warnings = new List<string>();
        var failures = new List<IndexFailure>();

        int removed = 0;
        if (_options.RemoveDeleted)
        {
            var present = scan.Files.ToHashSet(StringComparer.Ordinal);
            foreach (var video in stored.Values.Where(v => !present.Contains(v.Path) && FileScanner.Covers(scan, v.Path) && !File.Exists(v.Path)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (store.DeleteVideo(video.Path))
                {
                    removed++;
                }
            }
        }

        // New files are hashed by the embedding workers (overlapping other videos' encoding), not here: only a
        // stored file whose size or time changed needs its hash before deciding whether to embed it again.
        var work = new List<(string Path, FileIdentity? Identity, bool Existed)>();
        int unchanged = 0;
        int skippedFailed = 0;
        for (int i = 0; i < scan.Files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = scan.Files[i];
            progress?.Report(new WorkProgress("check", i, scan.Files.Count, "files", Path.GetFileName(path)));
            stored.TryGetValue(path, out var old);
            FileInfo info;
            try
            {
                info = new FileInfo(path);
                if (old is not null && old.Size == info.Length && old.ModifiedTicks == info.LastWriteTimeUtc.Ticks)
                {
                    if (old.Status == VideoStatus.Done)
                    {
                        unchanged++;
                        continue;
                    }

                    if (!_options.RetryFailed)
                    {
                        skippedFailed++;
                        continue;
                    }
                }

                if (old is null)
                {
                    work.Add((path, null, false));
                    continue;
                }

                var identity = FileScanner.Identify(path, cancellationToken);
                if (old is { Status: VideoStatus.Done } && old.ContentHash == identity.ContentHash)
                {
                    store.UpdateFileTimes(old.Id, identity.Size, identity.ModifiedTicks);
                    unchanged++;
                    continue;
                }

                work.Add((path, identity, old is not null));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add(new IndexFailure(path, $"cannot read the file ({e.Message})"));
            }
        }

        progress?.Report(new WorkProgress("check", scan.Files.Count, scan.Files.Count, "files"));

        int added = 0;
        int updated = 0;
        long frames = 0;
        int done = 0;
        progress?.Report(new WorkProgress("index", 0, work.Count, "videos"));
        foreach (var result in EmbedAll(work.Select(w => (w.Path, w.Identity is null)).ToList(), cancellationToken))
        {
            var item = work[result.Index];
            if ((item.Identity ?? result.Identity) is not { } identity)
            {
                failures.Add(new IndexFailure(item.Path, result.Error!));
            }
            else if (result.Embedding is { } embedding)
            {
                try
                {
                    var texts = ReadText(item.Path, warnings);
                    store.SaveVideo(item.Path, identity, embedding.Duration, ToRecords(embedding), texts);
                    if (item.Existed)
                    {
                        updated++;
                    }
                    else
                    {
                        added++;
                    }

                    frames += embedding.FramesEncoded;
                    warnings.AddRange(embedding.Warnings.Select(w => $"{item.Path}: {w}"));
                }
                catch (VidSearchException e)
                {
                    failures.Add(new IndexFailure(item.Path, e.Cause));
                    store.SaveFailure(item.Path, identity, e.Cause);
                }
            }
            else
            {
                failures.Add(new IndexFailure(item.Path, result.Error!));
                store.SaveFailure(item.Path, identity, result.Error!);
            }

            done++;
            progress?.Report(new WorkProgress("index", done, work.Count, "videos", Path.GetFileName(item.Path)));
            progress?.Report(new WorkProgress("encode", frames, null, "frames"));
        }

        return new IndexReport
        {
            Found = scan.Files.Count,
            Added = added,
            Updated = updated,
            Unchanged = unchanged,
            Removed = removed,
            SkippedFailed = skippedFailed,
            FramesEncoded = frames,
            Elapsed = clock.Elapsed,
            Failures = failures,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Embeds videos on <see cref="IndexOptions.EmbedConcurrency"/> workers and yields results on the calling
    /// thread in completion order, so database writes stay on one connection. Files marked Hash are hashed first.
    /// </summary>
    private IEnumerable<EmbedResult> EmbedAll(IReadOnlyList<(string Path, bool Hash)> paths, CancellationToken cancellationToken)
    {
        if (_options.EmbedConcurrency == 1)
        {
            for (int i = 0; i < paths.Count; i++)
            {
                yield return EmbedOne(i, paths[i].Path, paths[i].Hash, cancellationToken);
            }

            yield break;
        }

        var results = Channel.CreateBounded<EmbedResult>(_options.EmbedConcurrency);
        int next = -1;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, _options.EmbedConcurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < paths.Count && !stop.IsCancellationRequested)
            {
                await results.Writer.WriteAsync(EmbedOne(index, paths[index].Path, paths[index].Hash, stop.Token), stop.Token);
            }
        })).ToArray();
        _ = Task.WhenAll(workers).ContinueWith(t => results.Writer.TryComplete(t.Exception), TaskScheduler.Default);
        try
        {
            while (results.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
            {
                while (results.Reader.TryRead(out var result))
                {
                    yield return result;
                }
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                Task.WaitAll(workers);
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private EmbedResult EmbedOne(int index, string path, bool hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        FileIdentity? identity = null;
        try
        {
            identity = hash ? FileScanner.Identify(path, cancellationToken) : null;
            var embedding = embedder.Embed(path, cancellationToken);
            string? problem = Check(embedding);
            return problem is null ? new EmbedResult(index, embedding, null, identity) : new EmbedResult(index, null, problem, identity);
        }
        catch (VidSearchException e)
        {
            return new EmbedResult(index, null, e.Cause, identity);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new EmbedResult(index, null, $"cannot read the file ({e.Message})", identity);
        }
    }

    private static string? Check(VideoEmbedding embedding)
    {
        if (embedding.Segments.Count == 0)
        {
            return "no segment could be embedded (no decodable frames)";
        }

        if (embedding.Segments.Any(s => s.Embedding.Any(x => !float.IsFinite(x))))
        {
            return "the model produced non-finite embeddings";
        }

        return null;
    }

    private List<SegmentRecord> ToRecords(VideoEmbedding embedding)
    {
        var records = embedding.Segments.Select(s => new SegmentRecord(s.Start, s.End, SegmentKind.Segment, s.Embedding)).ToList();
        if (_options.StoreFrames && embedding.Frames is { } frames)
        {
            for (int i = 0; i < frames.Frames.Rows; i++)
            {
                if (frames.Mask[i])
                {
                    records.Add(new SegmentRecord(frames.Timestamps[i], frames.Timestamps[i], SegmentKind.Frame, frames.Frames.RowReadOnly(i).ToArray()));
                }
            }
        }

        float[] videoVector = embedding.VideoVector ?? VectorMath.MeanNormalized(new EmbeddingMatrix(
            embedding.Segments.SelectMany(s => s.Embedding).ToArray(), embedding.Segments.Count, embedding.Segments[0].Embedding.Length));
        double end = Math.Max(embedding.Duration, embedding.Segments.Max(s => s.End));
        records.Add(new SegmentRecord(0, end, SegmentKind.Video, videoVector));
        return records;
    }

    private List<TextEntry> ReadText(string path, List<string> warnings)
    {
        if (!_options.ReadTextChannels)
        {
            return [];
        }

        var text = VideoTextReader.Read(path);
        warnings.AddRange(text.Warnings);
        return [.. text.Entries];
    }

    /// <summary>What a worker did with one file: its embedding or the reason it failed, and its identity when the worker hashed it.</summary>
    private sealed record EmbedResult(int Index, VideoEmbedding? Embedding, string? Error, FileIdentity? Identity);
}

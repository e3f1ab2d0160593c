using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch index DIR|FILE... --collection NAME --model M`: embeds and stores new or changed videos.</summary>
public static class IndexCommand
{
    /// <summary>Videos embedded at once by default.</summary>
    public const int DefaultJobs = 2;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Video files or folders (scanned recursively).", Arity = ArgumentArity.OneOrMore };
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name (in $VIDSEARCH_HOME/collections) or path to a .db file.", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Model name or checkpoint path.", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "Frame sampling: " + VidSearch.Media.Sampling.SamplingStrategies.Help + ". Windows and shots become the searchable moments; otherwise each sampled frame does.", DefaultValueFactory = _ => ModelWiring.DefaultIndexStrategy };
        var storage = new Option<string>("--storage") { Description = "Vector storage: float32, float16 or int8.", DefaultValueFactory = _ => "float16" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Videos embedded at once: one decodes while another encodes (encodes take turns unless --threads x jobs fits the cores).", DefaultValueFactory = _ => DefaultJobs };
        var retry = new Option<bool>("--retry-failed") { Description = "Try again videos that failed before." };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var batchSize = ModelWiring.BatchSizeOption();
        var json = CommonOptions.Json();
        var command = new Command("index", "Index videos into a collection (only new or changed files; resumes an interrupted run).")
        {
            inputs, collection, model, strategy, storage, jobs, retry, backend, threads, batchSize, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var storageType = VectorStorageTypes.Parse(parse.GetValue(storage)!);
            var options = new IndexOptions { EmbedConcurrency = parse.GetValue(jobs), RetryFailed = parse.GetValue(retry) };
            options.Validate();
            string path = CollectionLocator.Resolve(parse.GetValue(collection)!);
            // Check the inputs before loading a model: a typo should fail in milliseconds.
            _ = FileScanner.Scan(parse.GetValue(inputs)!, options.VideoExtensions);
            _ = VidSearch.Media.Sampling.SamplingStrategies.Parse(parse.GetValue(strategy)!);
            using var opened = ModelWiring.LoadModel(parse.GetValue(model)!, parse.GetValue(backend), parse.GetValue(threads), sharesCoresWithDecoding: true);
            var clip = opened.Model;
            var info = new CollectionInfo(clip.ModelId, clip.Preprocess, ((VidSearch.Core.IImageEncoder)clip).EmbeddingDim, storageType);
            using var store = CollectionStore.OpenOrCreate(path, info);
            store.SetModelSource(opened.Folder);
            var embedder = ModelWiring.CreateVideoEmbedder(opened, parse.GetValue(strategy)!, parse.GetValue(batchSize), parse.GetValue(threads), options.EmbedConcurrency);
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() =>
            {
                var result = new Indexer(store, embedder, options).Run(parse.GetValue(inputs)!, progress, cancellationToken);
                PrepareSearch(store, clip, progress, cancellationToken);
                return result;
            }, cancellationToken));
            Print(report, path, parse.GetValue(json));
            return report.Failures.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// After indexing: embeds the collection's tuning queries when its texts changed (text queries for the approximate
    /// index to tune on, <see cref="TuningQueries"/>), then builds the approximate index's cache when the collection is
    /// large enough to use it, rather than at the first search.
    /// </summary>
    internal static void PrepareSearch(CollectionStore store, ITextEncoder textEncoder, IProgress<WorkProgress> progress, CancellationToken cancellationToken)
    {
        progress.Report(new WorkProgress("tuning queries", 0, null, "steps"));
        TuningQueries.Refresh(store, textEncoder, cancellationToken);
        Searcher.PrepareIndex(store, progress, cancellationToken);
    }

    internal static void Print(IndexReport report, string path, bool json)
    {
        if (json)
        {
            JsonOutput.Write(new { collection = path, report.Found, report.Added, report.Updated, report.Unchanged, report.Removed, report.SkippedFailed, report.FramesEncoded, elapsedSeconds = report.Elapsed.TotalSeconds, report.Failures, report.Warnings });
            return;
        }

        Console.WriteLine($"{path}: {report.Found} videos found, {report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, {report.Removed} removed, {report.Failures.Count} failed ({report.Elapsed.TotalSeconds:0.0} s, {report.FramesEncoded} frames)");
        if (report.SkippedFailed > 0)
        {
            Console.WriteLine($"{report.SkippedFailed} videos that failed before were skipped (use --retry-failed)");
        }

        foreach (var failure in report.Failures)
        {
            Console.Error.WriteLine($"failed: {failure.Path}: {failure.Reason}");
        }

        foreach (var warning in report.Warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
    }
}

using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch reindex --collection NAME --model M`: rebuilds a collection with another model or storage type.</summary>
public static class ReindexCommand
{
    public static Command Create()
    {
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Model name or checkpoint path.", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "Frame sampling: " + VidSearch.Media.Sampling.SamplingStrategies.Help + ".", DefaultValueFactory = _ => ModelWiring.DefaultIndexStrategy };
        var storage = new Option<string?>("--storage") { Description = "Vector storage (default: keep the collection's)." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Videos embedded at once: one decodes while another encodes (encodes take turns unless --threads x jobs fits the cores).", DefaultValueFactory = _ => 2 };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var batchSize = ModelWiring.BatchSizeOption();
        var json = CommonOptions.Json();
        var command = new Command("reindex", "Rebuild a collection with another model, preprocessing or storage type (the old one answers until done).")
        {
            collection, model, strategy, storage, jobs, backend, threads, batchSize, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            string path = CollectionLocator.Resolve(parse.GetValue(collection)!);
            VectorStorageType storageType;
            using (var old = CollectionStore.Open(path))
            {
                storageType = parse.GetValue(storage) is { } s ? VectorStorageTypes.Parse(s) : old.Info.Storage;
            }

            var options = new IndexOptions { EmbedConcurrency = parse.GetValue(jobs) };
            options.Validate();
            _ = VidSearch.Media.Sampling.SamplingStrategies.Parse(parse.GetValue(strategy)!);
            using var opened = ModelWiring.LoadModel(parse.GetValue(model)!, parse.GetValue(backend), parse.GetValue(threads), sharesCoresWithDecoding: true);
            var clip = opened.Model;
            var embedder = ModelWiring.CreateVideoEmbedder(opened, parse.GetValue(strategy)!, parse.GetValue(batchSize), parse.GetValue(threads), options.EmbedConcurrency);
            var info = new CollectionInfo(clip.ModelId, clip.Preprocess, ((VidSearch.Core.IImageEncoder)clip).EmbeddingDim, storageType);
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() =>
            {
                var result = CollectionMigration.Reindex(path, info, embedder, options, progress, cancellationToken);
                using var rebuilt = CollectionStore.Open(path);
                rebuilt.SetModelSource(opened.Folder);
                IndexCommand.PrepareSearch(rebuilt, clip, progress, cancellationToken);
                return result;
            }, cancellationToken));

            IndexCommand.Print(report, path, parse.GetValue(json));
            return report.Failures.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using VidSearch.Benchmarks.Search;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;

namespace VidSearch.Cli.Commands;

/// <summary>
/// `vidsearch bench recall --collection NAME --queries FILE`: recall@k and latency of the collection's approximate
/// index on the user's own text queries, tuned with and without the collection's tuning queries, against exact search.
/// </summary>
public static class BenchRecallCommand
{
    public static Command Create()
    {
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var queries = new Option<string>("--queries") { Description = "A text file of queries, one per line (blank lines skipped), embedded by the collection's model.", Required = true };
        var index = new Option<string>("--index") { Description = "Approximate index measured: approximate (IVF or binary codes, as search chooses), ivf, hnsw or binary.", DefaultValueFactory = _ => "approximate" };
        var k = new Option<int>("-k") { Description = "Neighbours compared with exact search.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "Search threads.", DefaultValueFactory = _ => 2 };
        var model = new Option<string?>("--model", "-m") { Description = "Model name or folder (default: the collection's)." };
        var backend = ModelWiring.BackendOption();
        var json = CommonOptions.Json();
        var command = new Command("recall", "Recall@k and latency of a collection's approximate index on your own text queries, tuned on stored vectors alone and with the collection's tuning queries, against exact search.")
        {
            collection, queries, index, k, threads, model, backend, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var options = new CollectionRecallOptions { Index = VectorIndexFactory.ParseChoice(parse.GetValue(index)!), K = parse.GetValue(k), Threads = parse.GetValue(threads) };
            options.Validate();
            string queryFile = parse.GetValue(queries)!;
            var lines = QueryFile.Read(queryFile);

            using var store = CollectionStore.Open(CollectionLocator.Resolve(parse.GetValue(collection)!));
            using var opened = ModelWiring.LoadCollectionModel(store, parse.GetValue(model), parse.GetValue(backend));
            var texts = lines.Select(line => QueryValidator.Validate(line, ModelWiring.TokenCounter(opened), opened.Tokenizer.ContextLength)).ToList();
            var queryVectors = opened.Model.EncodeNormalized(texts, cancellationToken: cancellationToken);
            var tuning = store.TuningQueries().Select(q => q.Vector).ToList();
            var segments = store.LoadSegments(SegmentKind.Segment);
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(
                () => CollectionRecallBenchmark.Run(segments.Vectors, queryVectors, tuning, options, progress, cancellationToken), cancellationToken));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(report);
                return ExitCodes.Success;
            }

            Print(report, store.Path, queryFile, store.Info.ModelId);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Print(CollectionRecallReport report, string collection, string queryFile, string modelId)
    {
        Console.WriteLine($"{collection}: {report.Vectors} vectors of {report.Dim} dimensions, model {modelId}; {report.Queries} queries from {queryFile}, k {report.K}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"similarity to the nearest stored vector: {report.QueryTop1Similarity:0.000} for a query, {report.StoredTop1Similarity:0.000} for a stored vector (mean)");
        if (report.TuningQueries == 0)
        {
            Console.WriteLine("the collection has no tuning queries (indexed before they existed): `vidsearch index` or `search` adds them");
        }

        Console.WriteLine($"{"tuned on",-40} {"index",-7} {"setting",-20} {"build s",8} {"p50 ms",8} {"p99 ms",8} {$"recall@{report.K}",9} {"speedup",8}");
        Console.WriteLine($"{"(exact search)",-40} {"exact",-7} {"-",-20} {"",8} {report.ExactP50Ms,8:0.00} {report.ExactP99Ms,8:0.00} {"exact",9} {"1.0x",8}");
        foreach (var row in report.Indexes)
        {
            Console.WriteLine($"{row.Tuning,-40} {row.Kind,-7} {row.Setting,-20} {row.BuildSeconds,8:0.0} {row.P50Ms,8:0.00} {row.P99Ms,8:0.00} {row.RecallAtK,9:0.000} {report.ExactP50Ms / row.P50Ms,7:0.0}x");
            if (row.Measured is { } measured)
            {
                Console.WriteLine($"  tuning measured {BenchSearchCommand.Describe(measured, report.K)}");
            }
        }
    }
}

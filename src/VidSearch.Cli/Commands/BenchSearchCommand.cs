using System.CommandLine;
using VidSearch.Benchmarks.Search;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench search`: exact and approximate search latency, recall and memory per vector.</summary>
public static class BenchSearchCommand
{
    public static Command Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Collection sizes, comma-separated.", DefaultValueFactory = _ => "100000,1000000" };
        var dim = new Option<int>("--dim") { Description = "Vector dimension.", DefaultValueFactory = _ => 512 };
        var queries = new Option<int>("--queries") { Description = "Measured queries per setting.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "Search threads.", DefaultValueFactory = _ => 2 };
        var spread = new Option<float>("--spread") { Description = "Cluster noise relative to the centre (larger: harder for ANN).", DefaultValueFactory = _ => 1.0f };
        var clusters = new Option<int?>("--clusters") { Description = "Gaussian clusters (default: one per 1000 vectors)." };
        var nprobes = new Option<string>("--nprobe") { Description = "IVF nprobe values, comma-separated.", DefaultValueFactory = _ => "8,16,32,64" };
        var storage = new Option<string>("--storage") { Description = "Storage types for exact search, comma-separated.", DefaultValueFactory = _ => "float32,float16,int8" };
        var rerank = new Option<int?>("--rerank") { Description = "IVF: int8 candidates re-scored exactly (default max(100, 10k))." };
        var target = new Option<double>("--target-recall") { Description = "Recall@k the auto-tuned nprobe, ef and candidate count reach with 95 % confidence (measured on stored vectors as queries).", DefaultValueFactory = _ => 0.95 };
        var approximate = new Option<string>("--approximate") { Description = "Approximate indexes measured: ivf, hnsw, binary, comma-separated.", DefaultValueFactory = _ => "ivf,hnsw,binary" };
        var candidates = new Option<string>("--candidates") { Description = "Binary codes: candidates re-scored exactly, comma-separated (the auto-tuned count is measured too).", DefaultValueFactory = _ => "500,2000,8000" };
        var efs = new Option<string>("--ef") { Description = "HNSW search ef values, comma-separated.", DefaultValueFactory = _ => "32,64,128,256" };
        var hnswM = new Option<int>("--hnsw-m") { Description = "HNSW links per node (2M on layer 0).", DefaultValueFactory = _ => 16 };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW candidate list size while building.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the vectors, the queries and the indexes' random choices (another seed: another sample of the same distribution).", DefaultValueFactory = _ => 42 };
        var queryOffset = new Option<float>("--query-offset")
        {
            Description = "Shift every query by this multiple of one fixed random unit vector (renormalised), as text queries sit apart from image embeddings; 0: queries like the data.",
            DefaultValueFactory = _ => 0f,
        };
        var tuningQueries = new Option<int>("--tuning-queries")
        {
            Description = "Queries drawn and shifted like the measured ones that the indexes also tune on (as `index` gives them text queries); 0: tune on stored vectors only.",
            DefaultValueFactory = _ => 0,
        };
        var json = CommonOptions.Json();
        var command = new Command("search", "Search latency (exact, IVF, HNSW and binary codes), approximate recall@10 and memory per vector on synthetic 512-d embeddings.")
        {
            sizes, dim, queries, threads, spread, clusters, nprobes, storage, rerank, target, approximate, candidates, efs, hnswM, efConstruction, seed, queryOffset, tuningQueries, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var options = new SearchBenchmarkOptions
            {
                Sizes = ParseInts(parse.GetValue(sizes)!, "--sizes"),
                Dim = parse.GetValue(dim),
                Queries = parse.GetValue(queries),
                Threads = parse.GetValue(threads),
                Spread = parse.GetValue(spread),
                Clusters = parse.GetValue(clusters),
                Nprobes = ParseInts(parse.GetValue(nprobes)!, "--nprobe"),
                RerankCandidates = parse.GetValue(rerank),
                TargetRecall = parse.GetValue(target),
                Approximate = parse.GetValue(approximate)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()).Distinct().ToList(),
                Efs = ParseInts(parse.GetValue(efs)!, "--ef"),
                Candidates = ParseInts(parse.GetValue(candidates)!, "--candidates"),
                HnswM = parse.GetValue(hnswM),
                HnswEfConstruction = parse.GetValue(efConstruction),
                Seed = parse.GetValue(seed),
                QueryOffset = parse.GetValue(queryOffset),
                TuningQueries = parse.GetValue(tuningQueries),
                ExactStorage = parse.GetValue(storage)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(VectorStorageTypes.Parse).Distinct().ToList(),
            };
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => SearchBenchmark.Run(options, progress, cancellationToken), cancellationToken));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(report);
                return ExitCodes.Success;
            }

            Console.WriteLine($"data: {report.Data}; dim {report.Dim}, k {report.K}, {report.Queries} queries, {report.Threads} threads; {report.Machine}");
            foreach (var size in report.Sizes)
            {
                Console.WriteLine();
                Console.WriteLine($"{size.Vectors} vectors, {size.Clusters} clusters (generated in {size.GenerateSeconds:0.0} s)");
                if (size.IvfLists > 0)
                {
                    Console.WriteLine($"  IVF: {size.IvfLists} lists built in {size.IvfBuildSeconds:0.0} s, {size.IvfBytesPerVector:0} extra bytes/vector");
                }

                if (size.HnswBuildSeconds > 0)
                {
                    Console.WriteLine($"  HNSW: M {size.HnswM}, ef construction {size.HnswEfConstruction}, built in {size.HnswBuildSeconds:0.0} s, {size.HnswBytesPerVector:0} graph bytes/vector");
                    if (size.HnswTuning is { } efTuning)
                    {
                        Console.WriteLine($"  auto-tuned ef {efTuning.Ef}: {Describe(efTuning.Measured, report.K)}, {size.HnswTuneSeconds:0.0} s");
                    }
                }

                if (size.BinaryBuildSeconds > 0)
                {
                    Console.WriteLine($"  binary codes: built in {size.BinaryBuildSeconds:0.0} s, {size.BinaryBytesPerVector:0} bytes/vector");
                    if (size.BinaryTuning is { } candidateTuning)
                    {
                        Console.WriteLine($"  auto-tuned candidates {candidateTuning.Candidates}: {Describe(candidateTuning.Measured, report.K)}, {size.BinaryTuneSeconds:0.0} s");
                    }
                }

                if (size.Tuning is { } tuning)
                {
                    Console.WriteLine($"  auto-tuned nprobe {tuning.Nprobe}: {Describe(tuning.Measured, report.K)}, {size.TuneSeconds:0.0} s");
                }

                if (size.ApproximateChoice is { } choice)
                {
                    Console.WriteLine($"  approximate index for this data: {choice} (estimated MB read per query: IVF {size.IvfQueryBytes / 1e6:0.0}, binary codes {size.BinaryQueryBytes / 1e6:0.0})");
                }

                Console.WriteLine($"  {"method",-18} {"storage",-8} {"setting",-16} {"p50 ms",8} {"p99 ms",8} {"recall@10",9} {"speedup",8}");
                foreach (var l in size.Latencies)
                {
                    Console.WriteLine($"  {l.Method,-18} {l.Storage,-8} {l.Setting,-16} {l.P50Ms,8:0.00} {l.P99Ms,8:0.00} {(l.RecallAt10 is double r ? r.ToString("0.000") : "exact"),9} {l.SpeedupVsExactFloat32,7:0.0}x");
                }

                foreach (var m in size.Memory)
                {
                    Console.WriteLine($"  memory {m.Storage,-8} {m.PayloadBytesPerVector} payload bytes/vector, {m.MeasuredBytesPerVector:0.0} measured");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>"recall@10 0.951 on 64 stored vectors as queries[, 0.962 on 200 tuning queries] (target 0.95)".</summary>
    internal static string Describe(TuningMeasurement measured, int k)
        => $"recall@{k} {measured.Recall:0.000} on {measured.SampleQueries} stored vectors as queries"
            + (measured.TuningQueries > 0 ? $", {measured.TuningQueryRecall:0.000} on {measured.TuningQueries} tuning queries" : "")
            + (measured.GapShiftedQueries > 0 ? $", {measured.GapShiftedRecall:0.000} on {measured.GapShiftedQueries} stored vectors moved across the modality gap" : "")
            + $" (target {measured.TargetRecall})";

    private static List<int> ParseInts(string text, string name)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part.Replace("_", ""), out int value))
            {
                throw VidSearchException.Argument(name, $"'{part}' is not a whole number");
            }

            values.Add(value);
        }

        return values;
    }
}

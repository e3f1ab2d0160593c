using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Models.Video;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch search "QUERY" --collection NAME`: videos ranked with their best-matching moments.</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string?>("query") { Description = "What to find, in plain language (or give --image or --video).", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<string?>("--image") { Description = "Find videos that look like this image (PNG, JPEG...)." };
        var video = new Option<string?>("--video") { Description = "Find videos like this video (it is left out of the results when it is in the collection)." };
        var model = new Option<string?>("--model", "-m") { Description = "Model name or folder (default: the one the collection was indexed with)." };
        var strategy = new Option<string>("--strategy") { Description = "Frame sampling of a --video query.", DefaultValueFactory = _ => ModelWiring.DefaultClipStrategy };
        var backend = ModelWiring.BackendOption();
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var k = new Option<int>("-k") { Description = "Videos to return.", DefaultValueFactory = _ => 10 };
        var textWeight = new Option<double>("--text-weight") { Description = "Weight of BM25 text-channel scores (0: off).", DefaultValueFactory = _ => 0 };
        var index = new Option<string>("--index") { Description = "Vector index: auto (exact below 50000 vectors, else approximate), exact, approximate (IVF or binary codes, whichever reads less for this data), ivf, hnsw or binary.", DefaultValueFactory = _ => "auto" };
        var nprobe = new Option<int?>("--nprobe") { Description = "Approximate index: lists probed (higher: better recall, slower)." };
        var ef = new Option<int?>("--ef") { Description = "HNSW index: candidates kept while searching (higher: better recall, slower)." };
        var candidates = new Option<int?>("--candidates") { Description = "IVF and binary indexes: candidates re-scored exactly (higher: better recall, slower; default: IVF 100, binary codes the count tuned when the index is built)." };
        var moments = new Option<int>("--moments") { Description = "Moments reported per video.", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--moment-threshold") { Description = "Relative score (0..1) a segment needs to join a moment.", DefaultValueFactory = _ => 0.75 };
        var rankBy = new Option<string>("--rank-by") { Description = "segment: by the best-matching moment; video: by the mean-pooled video vector (the score of `eval --head mean`).", DefaultValueFactory = _ => "segment" };
        var queries = new Option<string?>("--queries") { Description = "A text file of queries, one per line (blank lines skipped): each is searched as if typed, results printed per query." };
        var json = CommonOptions.Json();
        var command = new Command("search", "Search a collection in plain language, or by an example image or video.")
        {
            query, collection, image, video, model, strategy, backend, k, textWeight, index, nprobe, ef, candidates, moments, threshold, rankBy, queries, json,
        };
        command.SetHandler(parse =>
        {
            var options = new SearchOptions
            {
                K = parse.GetValue(k),
                Moments = new MomentOptions { MaxMoments = parse.GetValue(moments), RelativeThreshold = parse.GetValue(threshold) },
                Fusion = new TextFusionOptions { TextWeight = parse.GetValue(textWeight) },
                Vector = new VectorSearchOptions { Nprobe = parse.GetValue(nprobe), Ef = parse.GetValue(ef), RerankCandidates = parse.GetValue(candidates) },
                Ranking = SearchOptions.ParseRanking(parse.GetValue(rankBy)!),
            };
            options.Validate();
            var choice = VectorIndexFactory.ParseChoice(parse.GetValue(index)!);
            string? queryText = parse.GetValue(query), imagePath = parse.GetValue(image), videoPath = parse.GetValue(video), queryFile = parse.GetValue(queries);
            int given = (queryText is not null ? 1 : 0) + (imagePath is not null ? 1 : 0) + (videoPath is not null ? 1 : 0) + (queryFile is not null ? 1 : 0);
            if (given != 1)
            {
                throw VidSearchException.Argument("query", given == 0 ? "give a text query, --queries FILE, --image FILE or --video FILE" : "give only one of a text query, --queries, --image and --video");
            }

            foreach (string? file in new[] { imagePath, videoPath })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new VidSearchException(ErrorKind.NotFound, file, "file not found");
                }
            }

            var lines = queryFile is null ? null : QueryFile.Read(queryFile);

            if (videoPath is not null)
            {
                _ = VidSearch.Media.Sampling.SamplingStrategies.Parse(parse.GetValue(strategy)!);
            }

            using var store = CollectionStore.Open(CollectionLocator.Resolve(parse.GetValue(collection)!));
            using var opened = ModelWiring.LoadCollectionModel(store, parse.GetValue(model), parse.GetValue(backend));
            if (TuningQueries.EnsureForSearch(store, choice, opened.Model))
            {
                Console.Error.WriteLine($"note: {store.Path}: embedded the collection's tuning queries (it was indexed before they existed); the approximate index is tuned again on them once");
            }

            if (lines is not null)
            {
                var searcher = new Searcher(store, new SearcherOptions { Index = choice });
                var all = new List<(string Query, SearchResults Results)>(lines.Count);
                foreach (string line in lines)
                {
                    string valid = QueryValidator.Validate(line, ModelWiring.TokenCounter(opened), opened.Tokenizer.ContextLength);
                    all.Add((line, searcher.Search(opened.Model.EncodeTexts([valid]).Row(0), options, valid)));
                }

                PrintMany(all, searcher.IndexTuning, parse.GetValue(json));
                return ExitCodes.Success;
            }

            float[] embedding;
            string? text = null;
            long? exclude = null;
            if (imagePath is not null)
            {
                embedding = VideoEmbeddingPipeline.EmbedImage(opened.Model, imagePath);
            }
            else if (videoPath is not null)
            {
                embedding = ModelWiring.CreatePipeline(opened, parse.GetValue(strategy)!).Embed(videoPath).MeanVector();
                exclude = store.FindVideo(Path.GetFullPath(videoPath))?.Id;
            }
            else
            {
                text = QueryValidator.Validate(queryText, ModelWiring.TokenCounter(opened), opened.Tokenizer.ContextLength);
                embedding = opened.Model.EncodeTexts([text]).Row(0).ToArray();
            }

            var single = new Searcher(store, new SearcherOptions { Index = choice });
            Print(single.Search(embedding, options, text, exclude), single.IndexTuning, parse.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <param name="tuning">The index's tuned default setting and what the tuning measured (null for exact search): the recall to expect.</param>
    private static object ToJson(SearchResults results, (string Setting, TuningMeasurement? Measured) tuning) => new
    {
        index = results.IndexKind,
        indexTuning = tuning.Measured is null ? null : new { tuning.Setting, tuning.Measured },
        results.SegmentsSearched,
        elapsedMs = results.Elapsed.TotalMilliseconds,
        videos = results.Videos.Select(v => new { v.Path, v.Score, v.VisualScore, v.TextScore, moments = v.Moments.Select(m => new { m.Start, m.End, m.Score }) }),
    };

    private static void PrintMany(List<(string Query, SearchResults Results)> all, (string Setting, TuningMeasurement? Measured) tuning, bool json)
    {
        if (json)
        {
            JsonOutput.Write(all.Select(a => new { query = a.Query, results = ToJson(a.Results, tuning) }));
            return;
        }

        foreach (var (text, results) in all)
        {
            Console.WriteLine($"query: {text}");
            Print(results, tuning, false);
        }
    }

    private static void Print(SearchResults results, (string Setting, TuningMeasurement? Measured) tuning, bool json)
    {
        if (json)
        {
            JsonOutput.Write(ToJson(results, tuning));
            return;
        }

        if (results.Videos.Count == 0)
        {
            Console.WriteLine("no results (the collection is empty)");
            return;
        }

        int rank = 1;
        foreach (var video in results.Videos)
        {
            string moments = string.Join(", ", video.Moments.Select(m => $"{Time(m.Start)}-{Time(m.End)} ({m.Score:0.000})"));
            Console.WriteLine($"{rank++,3}. {video.Score:0.000}  {video.Path}  {moments}");
        }
    }

    private static string Time(double seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 3600 ? @"h\:mm\:ss\.f" : @"m\:ss\.f");
}

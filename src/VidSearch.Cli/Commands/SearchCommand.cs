using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch search "QUERY" --collection NAME`: videos ranked with their best-matching moments.</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "What to find, in plain language." };
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var k = new Option<int>("-k") { Description = "Videos to return.", DefaultValueFactory = _ => 10 };
        var textWeight = new Option<double>("--text-weight") { Description = "Weight of BM25 text-channel scores (0: off).", DefaultValueFactory = _ => 0 };
        var index = new Option<string>("--index") { Description = "Vector index: auto, exact or approximate.", DefaultValueFactory = _ => "auto" };
        var nprobe = new Option<int?>("--nprobe") { Description = "Approximate index: lists probed (higher: better recall, slower)." };
        var moments = new Option<int>("--moments") { Description = "Moments reported per video.", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--moment-threshold") { Description = "Relative score (0..1) a segment needs to join a moment.", DefaultValueFactory = _ => 0.75 };
        var json = CommonOptions.Json();
        var command = new Command("search", "Search a collection in plain language.") { query, collection, k, textWeight, index, nprobe, moments, threshold, json };
        command.SetHandler(parse =>
        {
            var options = new SearchOptions
            {
                K = parse.GetValue(k),
                Moments = new MomentOptions { MaxMoments = parse.GetValue(moments), RelativeThreshold = parse.GetValue(threshold) },
                Fusion = new TextFusionOptions { TextWeight = parse.GetValue(textWeight) },
                Vector = new VectorSearchOptions { Nprobe = parse.GetValue(nprobe) },
            };
            options.Validate();
            var choice = VectorIndexFactory.ParseChoice(parse.GetValue(index)!);
            using var store = CollectionStore.Open(CollectionLocator.Resolve(parse.GetValue(collection)!));
            using var clip = ModelWiring.LoadModel(store.Info.ModelId);
            store.EnsureModel(clip.ModelId);
            string text = QueryValidator.Validate(parse.GetValue(query), ModelWiring.TokenCounter(clip));
            var embedding = clip.EncodeTexts([text]).Row(0).ToArray();
            var results = new Searcher(store, new SearcherOptions { Index = choice }).Search(embedding, options, text);
            Print(results, parse.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Print(SearchResults results, bool json)
    {
        if (json)
        {
            JsonOutput.Write(new
            {
                index = results.IndexKind,
                results.SegmentsSearched,
                elapsedMs = results.Elapsed.TotalMilliseconds,
                videos = results.Videos.Select(v => new { v.Path, v.Score, v.VisualScore, v.TextScore, moments = v.Moments.Select(m => new { m.Start, m.End, m.Score }) }),
            });
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

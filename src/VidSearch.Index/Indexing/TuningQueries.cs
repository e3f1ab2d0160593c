using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;

namespace VidSearch.Index.Indexing;

/// <summary>
/// Keeps a collection's tuning queries: texts like the ones users search with, embedded by the collection's own
/// model, on which the approximate indexes tune their recall setting (nprobe, ef, candidates) together with stored
/// vectors. Text embeddings do not lie where image embeddings lie (CLIP's modality gap), so a setting tuned on stored
/// vectors alone can miss the recall target for text queries: on 1M clustered vectors with queries shifted off the
/// data, IVF's nprobe tuned on stored vectors reached recall@10 0.775 where 0.95 was asked (search RESULTS.md).
/// The texts are the collection's own titles, descriptions, tags and subtitle sentences (a seeded sample) plus
/// <see cref="GenericDescriptions"/>, so a collection without sidecars still gets text-side queries.
/// </summary>
public static class TuningQueries
{
    /// <summary>At most this many texts come from the collection's text channels.</summary>
    public const int MaxCollectionTexts = 64;

    /// <summary>A text of more words is cut to this many (queries are short; CLIP reads 77 tokens at most).</summary>
    public const int MaxWords = 16;

    /// <summary>Short descriptions of everyday video content, written for this purpose (no dataset's captions).</summary>
    public static readonly IReadOnlyList<string> GenericDescriptions =
    [
        "a person cooking in a kitchen", "a dog running on the grass", "a man riding a bicycle down a street",
        "children playing football in a park", "a woman singing on a stage", "cars driving on a highway at night",
        "waves crashing on a sandy beach", "a cat sleeping on a sofa", "people dancing at a party",
        "a plane taking off from an airport", "someone typing on a laptop", "a chef chopping vegetables",
        "a crowd cheering in a stadium", "a train arriving at a station", "snow falling on a mountain village",
        "a man giving a speech at a podium", "a girl brushing her hair", "two people shaking hands",
        "a bird flying over a lake", "a boy skateboarding in a skate park", "a band playing guitars and drums",
        "a car being washed", "a woman doing yoga on a mat", "fireworks exploding in the night sky",
        "a horse galloping across a field", "a person swimming in a pool", "rain falling on a window",
        "a baby laughing", "a man fixing a car engine", "people walking through a busy market",
        "a basketball player making a shot", "a tutorial on drawing a portrait", "a news anchor reading the news",
        "a cooking show making pasta", "a timelapse of clouds moving", "a drone shot of a city skyline",
        "someone opening a present", "a runner finishing a marathon", "a fish swimming in an aquarium",
        "a man climbing a rock wall", "a woman painting a wall", "a teacher writing on a whiteboard",
        "a video game being played", "a car crash on a wet road", "people eating at a restaurant",
        "a person surfing a big wave", "a kid riding a scooter", "a tennis match on a clay court",
        "a dog catching a frisbee", "a man playing the piano", "a wedding ceremony outdoors",
        "a forest with sunlight through the trees", "a person knitting a scarf", "an interview in an office",
        "a boat sailing on the sea", "a red ball rolling across the floor", "a street performer juggling",
        "a man mowing the lawn", "hands kneading dough", "a soccer goal celebration",
        "a hiker walking up a trail", "a motorcycle race on a track", "someone pouring coffee into a cup",
        "a lecture about science",
    ];

    /// <summary>
    /// The texts the collection's tuning queries are made of: <see cref="GenericDescriptions"/>, then up to
    /// <see cref="MaxCollectionTexts"/> distinct texts sampled (seeded, so the same collection gives the same texts) from
    /// its titles, descriptions, tags and subtitle sentences of 3 to <see cref="MaxWords"/> words or cut to that, read
    /// from the first 1000 videos with each channel and the first 2000 characters of each (a bounded read however large
    /// the collection). File names are left out: camera names (VID_0042) are not what people search for.
    /// </summary>
    public static IReadOnlyList<string> Texts(CollectionStore store)
    {
        const int VideosPerChannel = 1000, CharsPerText = 2000;
        var candidates = new[] { TextChannel.Title, TextChannel.Description, TextChannel.Tags, TextChannel.Subtitles }
            .SelectMany(channel => store.ChannelTexts(channel, VideosPerChannel, CharsPerText))
            .SelectMany(Sentences)
            .Select(Shortened)
            .Where(text => text.Split(' ').Length >= 3)
            .Except(GenericDescriptions, StringComparer.OrdinalIgnoreCase)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();
        new Random(17).Shuffle(candidates);
        return [.. GenericDescriptions, .. candidates.Take(MaxCollectionTexts)];
    }

    /// <summary>
    /// Writes the tuning queries of <paramref name="store"/> when its <see cref="Texts"/> differ from the stored ones
    /// (new titles or subtitles, or none stored yet), embedding them with <paramref name="encoder"/>, the model the
    /// collection's vectors came from. Returns whether it wrote (which makes the next index build tune on them).
    /// </summary>
    public static bool Refresh(CollectionStore store, ITextEncoder encoder, CancellationToken cancellationToken = default)
    {
        var texts = Texts(store);
        if (store.TuningQueries().Select(q => q.Text).SequenceEqual(texts, StringComparer.Ordinal))
        {
            return false;
        }

        var vectors = encoder.EncodeNormalized(texts, cancellationToken: cancellationToken);
        var queries = texts.Select((text, i) => new TuningQuery(text, vectors[i])).ToList();
        store.ReplaceTuningQueries(queries);
        return true;
    }

    /// <summary>
    /// Before a search whose vector index for <paramref name="choice"/> is approximate: embeds the tuning queries of a
    /// collection that has none (indexed by a version without them), so the index tunes on text-like queries rather
    /// than on stored vectors alone. Every `index` run stores at least the generic descriptions, so "none" means such a
    /// collection; a collection that has them keeps them until the next `index` (no re-encoding per search). Returns
    /// whether it wrote.
    /// </summary>
    public static bool EnsureForSearch(CollectionStore store, VectorIndexChoice choice, ITextEncoder encoder, CancellationToken cancellationToken = default)
    {
        if (VectorIndexFactory.KindFor(choice, store.SegmentCount(SegmentKind.Segment)) == "exact" || store.TuningQueries().Count > 0)
        {
            return false;
        }

        return Refresh(store, encoder, cancellationToken);
    }

    private static IEnumerable<string> Sentences(string text)
        => text.Split(['.', '!', '?', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Shortened(string sentence)
        => string.Join(' ', sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxWords));
}

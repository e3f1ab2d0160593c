using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Indexing;

public sealed class TuningQueriesTests
{
    private const int Dim = 8;

    private static readonly CollectionInfo Info = new("m", PreprocessConfig.Clip(), Dim, VectorStorageType.Float16);

    /// <summary>Embeds a text as counts of its characters' codes modulo the dimension, and counts the texts it was given.</summary>
    private sealed class CountingEncoder : ITextEncoder
    {
        public int Texts { get; private set; }

        public int EmbeddingDim => Dim;

        public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
        {
            Texts += texts.Count;
            var matrix = new EmbeddingMatrix(texts.Count, Dim);
            for (int row = 0; row < texts.Count; row++)
            {
                foreach (char c in texts[row])
                {
                    matrix.Row(row)[c % Dim] += 1;
                }
            }

            return matrix;
        }
    }

    private static void SaveVideo(CollectionStore store, string name, params TextEntry[] texts)
        => store.SaveVideo($"/v/{name}.mp4", new FileIdentity(1, 1, name), 10, [new SegmentRecord(0, 10, SegmentKind.Segment, VectorMath.Normalized(Enumerable.Range(1, Dim).Select(i => (float)i).ToArray()))], texts);

    [Fact]
    public void The_texts_are_the_generic_descriptions_then_titles_descriptions_tags_and_subtitle_sentences_of_three_words_or_more()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        SaveVideo(store, "a",
            new TextEntry(TextChannel.FileName, "VID 0042 from the camera"),
            new TextEntry(TextChannel.Title, "a chef bakes pizza in a wood oven"),
            new TextEntry(TextChannel.Subtitles, "Hello there. We are climbing the north face today! ok"),
            new TextEntry(TextChannel.Description, string.Join(' ', Enumerable.Range(0, 30).Select(i => $"w{i}"))));
        SaveVideo(store, "b", new TextEntry(TextChannel.Tags, "surfing, big waves, hawaii"), new TextEntry(TextChannel.Title, "A dog running on the grass"));

        var texts = TuningQueries.Texts(store);
        Assert.Equal(TuningQueries.GenericDescriptions, texts.Take(TuningQueries.GenericDescriptions.Count));
        var own = texts.Skip(TuningQueries.GenericDescriptions.Count).Order(StringComparer.Ordinal).ToArray();
        string sixteenWords = string.Join(' ', Enumerable.Range(0, TuningQueries.MaxWords).Select(i => $"w{i}"));
        // The second title repeats a generic description (case aside) and is not taken twice; the file name, the
        // greeting and "ok" are left out; the description is cut to 16 words.
        Assert.Equal(new[] { "We are climbing the north face today", "a chef bakes pizza in a wood oven", "surfing, big waves, hawaii", sixteenWords }.Order(StringComparer.Ordinal), own);
        Assert.Equal(texts, TuningQueries.Texts(store));
    }

    [Fact]
    public void At_most_64_collection_texts_are_taken_and_the_sample_is_the_same_every_time()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        for (int v = 0; v < 100; v++)
        {
            SaveVideo(store, $"v{v}", new TextEntry(TextChannel.Title, $"holiday film number {v}"));
        }

        var texts = TuningQueries.Texts(store);
        Assert.Equal(TuningQueries.GenericDescriptions.Count + TuningQueries.MaxCollectionTexts, texts.Count);
        Assert.Equal(texts, TuningQueries.Texts(store));
        Assert.All(texts.Skip(TuningQueries.GenericDescriptions.Count), t => Assert.StartsWith("holiday film number ", t, StringComparison.Ordinal));
        Assert.Equal(TuningQueries.MaxCollectionTexts, texts.Distinct().Count() - TuningQueries.GenericDescriptions.Count);
    }

    [Fact]
    public void Refresh_embeds_the_texts_once_and_again_when_they_change_and_each_write_makes_cached_indexes_stale()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        Assert.Empty(store.TuningQueries());
        SaveVideo(store, "a", new TextEntry(TextChannel.Title, "a chef bakes pizza"));
        var encoder = new CountingEncoder();
        long generation = store.VectorsGeneration;

        Assert.True(TuningQueries.Refresh(store, encoder));
        var stored = store.TuningQueries();
        Assert.Equal(TuningQueries.Texts(store), stored.Select(q => q.Text));
        Assert.Equal(stored.Count, encoder.Texts);
        var expected = VectorMath.Normalized(encoder.EncodeTexts(["a chef bakes pizza"]).RowReadOnly(0));
        Assert.Equal(expected, stored.Single(q => q.Text == "a chef bakes pizza").Vector);
        Assert.True(store.VectorsGeneration > generation);

        int encoded = encoder.Texts;
        generation = store.VectorsGeneration;
        Assert.False(TuningQueries.Refresh(store, encoder));
        Assert.Equal(encoded, encoder.Texts);
        Assert.Equal(generation, store.VectorsGeneration);

        SaveVideo(store, "b", new TextEntry(TextChannel.Title, "two people shake hands outside"));
        Assert.True(TuningQueries.Refresh(store, encoder));
        Assert.Contains(store.TuningQueries(), q => q.Text == "two people shake hands outside");
    }

    [Fact]
    public void A_search_with_an_approximate_index_embeds_the_tuning_queries_of_a_collection_that_has_none_and_only_then()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        SaveVideo(store, "a", new TextEntry(TextChannel.Title, "a chef bakes pizza"));
        var encoder = new CountingEncoder();

        // One vector: Auto searches exactly, which does not tune, so nothing is embedded.
        Assert.False(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Auto, encoder));
        Assert.False(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Exact, encoder));
        Assert.Equal(0, encoder.Texts);
        Assert.Empty(store.TuningQueries());

        Assert.True(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Ivf, encoder));
        Assert.Equal(TuningQueries.Texts(store), store.TuningQueries().Select(q => q.Text));
        int encoded = encoder.Texts;

        // Stored ones stay until the next `index`, even when the collection's texts changed since.
        SaveVideo(store, "b", new TextEntry(TextChannel.Title, "two people shake hands outside"));
        Assert.False(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Binary, encoder));
        Assert.Equal(encoded, encoder.Texts);
    }

    [Fact]
    public void Auto_embeds_them_for_a_collection_large_enough_for_the_approximate_index()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var vector = VectorMath.Normalized(Enumerable.Range(1, Dim).Select(i => (float)i).ToArray());
        var segments = Enumerable.Range(0, VectorIndexFactory.ApproximateThreshold - 1).Select(i => new SegmentRecord(i, i + 1, SegmentKind.Segment, vector)).ToList();
        store.SaveVideo("/v/long.mp4", new FileIdentity(1, 1, "long"), segments.Count, segments, []);
        var encoder = new CountingEncoder();
        Assert.False(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Auto, encoder));

        store.SaveVideo("/v/one-more.mp4", new FileIdentity(1, 1, "one-more"), 1, [new SegmentRecord(0, 1, SegmentKind.Segment, vector)], []);
        Assert.True(TuningQueries.EnsureForSearch(store, VectorIndexChoice.Auto, encoder));
        Assert.Equal(TuningQueries.GenericDescriptions, store.TuningQueries().Select(q => q.Text));
    }

    [Fact]
    public void Tuning_queries_of_another_dimension_are_refused_and_the_stored_ones_kept()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.db");
        using (var store = CollectionStore.OpenOrCreate(path, Info))
        {
            store.ReplaceTuningQueries([new TuningQuery("a cat on a sofa", VectorMath.Normalized([1, 0, 0, 0, 0, 0, 0, 1]))]);
            var error = Assert.Throws<VidSearchException>(() => store.ReplaceTuningQueries([new TuningQuery("too long", new float[Dim + 1])]));
            Assert.Contains("'too long' has 9 dimensions, the collection 8", error.Message);
        }

        using var reopened = CollectionStore.Open(path);
        Assert.Equal("a cat on a sofa", Assert.Single(reopened.TuningQueries()).Text);
        Assert.Empty(reopened.CheckConsistency());
    }
}

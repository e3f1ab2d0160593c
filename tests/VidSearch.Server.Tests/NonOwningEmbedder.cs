using VidSearch.Server.Collections;

namespace VidSearch.Server.Tests;

/// <summary>Lends the fixture's shared embedder to a test's <see cref="CollectionService"/>, which then does not dispose it.</summary>
internal sealed class NonOwningEmbedder(IQueryEmbedder inner) : IQueryEmbedder
{
    public string ModelId => inner.ModelId;

    public int ContextLength => inner.ContextLength;

    public int CountTokens(string text) => inner.CountTokens(text);

    public float[] EmbedText(string text) => inner.EmbedText(text);

    public float[] EmbedImage(string path, CancellationToken cancellationToken) => inner.EmbedImage(path, cancellationToken);

    public void Dispose()
    {
    }
}

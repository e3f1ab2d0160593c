using VidSearch.Models.Loading;
using VidSearch.Models.Video;

namespace VidSearch.Server.Collections;

/// <summary>Turns the queries the API receives (text, an image file) into vectors of the collection's joint space.</summary>
public interface IQueryEmbedder : IDisposable
{
    string ModelId { get; }

    /// <summary>Tokens the model reads at most (start and end markers included).</summary>
    int ContextLength { get; }

    /// <summary>Tokens a text needs, start and end markers included.</summary>
    int CountTokens(string text);

    float[] EmbedText(string text);

    float[] EmbedImage(string path, CancellationToken cancellationToken);
}

/// <summary>
/// The query embedder of an opened CLIP model. Calls into the model are serialised: one query is encoded at a time
/// (the model's own threads parallelise inside a call), which keeps TorchSharp and ONNX Runtime state safe.
/// </summary>
public sealed class ModelQueryEmbedder(OpenedModel model) : IQueryEmbedder
{
    private readonly Lock _gate = new();

    public string ModelId => model.Model.ModelId;

    public int ContextLength => model.Tokenizer.ContextLength;

    public int CountTokens(string text) => model.CountTokens(text);

    public float[] EmbedText(string text)
    {
        lock (_gate)
        {
            return model.Model.EncodeTexts([text]).Row(0).ToArray();
        }
    }

    public float[] EmbedImage(string path, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return VideoEmbeddingPipeline.EmbedImage(model.Model, path, cancellationToken);
        }
    }

    public void Dispose() => model.Dispose();
}

using VidSearch.Core;
using VidSearch.Index.Indexing;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// The one place where the CLI turns a model name into the model-dependent parts of indexing and search.
/// The media pipeline (probe, sample, decode) and model loading are wired here when they land; until then
/// these calls fail with a clear message.
/// </summary>
public static class ModelWiring
{
    /// <summary>Loads the image-text model named by <paramref name="model"/> (a name or a checkpoint path).</summary>
    public static IClipModel LoadModel(string model)
        => throw new VidSearchException(ErrorKind.External, model, "loading models is not wired into this build yet");

    /// <summary>The video embedder (sampling strategy + model) used by `index` and `reindex`.</summary>
    public static IVideoEmbedder CreateVideoEmbedder(IClipModel model, string strategy)
        => throw new VidSearchException(ErrorKind.External, strategy, "the video pipeline is not wired into this build yet");

    /// <summary>Tokens a query needs (start and end markers included), for query validation.</summary>
    public static Func<string, int>? TokenCounter(IClipModel model) => null;
}

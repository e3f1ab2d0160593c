using System.CommandLine;
using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Models.Loading;
using VidSearch.Models.Video;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// The one place where the CLI turns a model name into the model-dependent parts of indexing, search and evaluation:
/// the model (<see cref="ModelOpener"/>), the video pipeline (<see cref="VideoEmbeddingPipeline"/>) behind the
/// index's and the evaluation's embedder interfaces.
/// </summary>
public static class ModelWiring
{
    /// <summary>Default sampling of indexing: one frame a second, each frame a searchable moment.</summary>
    public const string DefaultIndexStrategy = "fps:1";

    /// <summary>Default sampling of evaluation and of video queries: the retrieval literature's 12 frames.</summary>
    public const string DefaultClipStrategy = "clip4clip:12";

    public static Option<string> BackendOption() => new("--backend")
    {
        Description = "Inference backend: auto (TorchSharp for safetensors, ONNX Runtime for ONNX files), torch or onnx.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<int?> ThreadsOption() => new("--threads") { Description = "CPU threads for inference (default: all cores)." };

    public static Option<int> BatchSizeOption() => new("--batch-size") { Description = "Frames per call to the image encoder.", DefaultValueFactory = _ => 16 };

    /// <summary>
    /// Loads the model named by <paramref name="model"/> (a store name or a model folder). Commands that decode video
    /// while they encode (index, reindex, embed, eval) pass <paramref name="sharesCoresWithDecoding"/>: the inference
    /// threads then sleep instead of spinning when they wait (<see cref="ModelOpenOptions.SpinWhileWaiting"/>).
    /// </summary>
    public static OpenedModel LoadModel(string model, string? backend = null, int? threads = null, bool sharesCoresWithDecoding = false)
    {
        if (threads is <= 0)
        {
            throw VidSearchException.Argument("--threads", $"must be positive, got {threads}");
        }

        return ModelOpener.Open(model, new ModelOpenOptions
        {
            Backend = ModelOpener.ParseBackend(backend),
            Threads = threads,
            SpinWhileWaiting = !sharesCoresWithDecoding,
        });
    }

    /// <summary>The model a collection was indexed with: <paramref name="explicitModel"/> if given, else the one the collection recorded.</summary>
    public static OpenedModel LoadCollectionModel(CollectionStore store, string? explicitModel, string? backend = null, int? threads = null)
    {
        string source = explicitModel ?? store.ModelSource ?? throw new VidSearchException(ErrorKind.NotFound, store.Path,
            $"the collection does not record where its model ('{store.Info.ModelId}') is; pass --model NAME|DIR");
        OpenedModel opened;
        try
        {
            opened = LoadModel(source, backend, threads);
        }
        catch (VidSearchException e) when (explicitModel is null && e.Kind == ErrorKind.NotFound)
        {
            throw new VidSearchException(ErrorKind.NotFound, store.Path,
                $"the collection's model ('{store.Info.ModelId}') was at {source}, which is gone ({e.Cause}); pass --model NAME|DIR", e);
        }

        try
        {
            store.EnsureModel(opened.Model.ModelId);
            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    public static VideoEmbeddingPipeline CreatePipeline(OpenedModel model, string strategy, int batchSize = 16, bool encodesTakeTurns = true)
        => new(model.Model, strategy, new VideoEmbeddingOptions { BatchSize = batchSize, EncodesTakeTurns = encodesTakeTurns });

    /// <summary>
    /// The video embedder (sampling strategy + model) used by `index` and `reindex`; its <paramref name="jobs"/>
    /// take turns at the encoder unless <paramref name="threads"/> per job fit the cores.
    /// </summary>
    public static Index.Indexing.IVideoEmbedder CreateVideoEmbedder(OpenedModel model, string strategy, int batchSize = 16, int? threads = null, int jobs = 1)
        => new IndexVideoEmbedder(CreatePipeline(model, strategy, batchSize, VideoEmbeddingOptions.TurnsNeeded(threads, jobs, Environment.ProcessorCount)));

    /// <summary>The video embedder used by `eval`.</summary>
    public static Eval.Running.IVideoEmbedder CreateEvalEmbedder(OpenedModel model, string strategy, int batchSize = 16)
    {
        var pipeline = CreatePipeline(model, strategy, batchSize);
        return new Eval.Running.DelegateVideoEmbedder(pipeline.Strategy.Name, video => pipeline.Embed(video.Path).Frames);
    }

    /// <summary>Tokens a query needs (start and end markers included), for query validation.</summary>
    public static Func<string, int> TokenCounter(OpenedModel model) => model.CountTokens;

    /// <summary>Adapts the pipeline to the index: segments from the sampling's windows or shots, else one per frame.</summary>
    private sealed class IndexVideoEmbedder(VideoEmbeddingPipeline pipeline) : Index.Indexing.IVideoEmbedder
    {
        public VideoEmbedding Embed(string path, CancellationToken cancellationToken)
        {
            var video = pipeline.Embed(path, null, cancellationToken);
            var segments = VideoSegmenter.Segments(video).Select(s => new EmbeddedSegment(s.Start, s.End, s.Embedding)).ToList();
            return new VideoEmbedding(video.Info.Duration, segments, video.Frames, video.MeanVector())
            {
                FramesEncoded = video.FramesEncoded,
                Warnings = video.Problem is { } problem ? [problem + "; indexed with the frames that decoded"] : [],
            };
        }
    }
}

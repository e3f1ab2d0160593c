using VidSearch.Core;
using VidSearch.Eval.Tasks;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Video;
using static TorchSharp.torch;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// A video model written by `vidsearch train video` (video-model.json, head/, prompt weights) opened for evaluation:
/// its head as the Eval scorer and pooler, its text encoder (learned prompts included) as the Eval text encoder.
/// Every (text, video) pair is scored by the head, query-conditioned heads included: the evaluation protocol,
/// not the two-stage approximation a search uses.
/// </summary>
public sealed class TrainedHead : IDisposable
{
    private readonly ClipModel clip;

    private TrainedHead(ClipModel clip, VideoModel model, VideoModelConfig config)
    {
        this.clip = clip;
        Model = model;
        Config = config;
        Scorer = new HeadScorer(model, config.Head);
        TextEncoder = new PromptedTexts(model);
    }

    public VideoModel Model { get; }

    public VideoModelConfig Config { get; }

    public HeadScorer Scorer { get; }

    public ITextEncoder TextEncoder { get; }

    /// <summary>True when <paramref name="head"/> names a folder rather than a built-in head.</summary>
    public static bool IsFolder(string head) => Directory.Exists(head) || head.Contains(Path.DirectorySeparatorChar) || head.Contains('/');

    /// <summary>Opens the video model in <paramref name="folder"/> on the CLIP model folder <paramref name="clipFolder"/> (TorchSharp).</summary>
    public static TrainedHead Open(string folder, string clipFolder)
    {
        if (!Directory.Exists(folder))
        {
            throw new VidSearchException(ErrorKind.NotFound, folder, "no such head folder (give mean, or a folder written by `vidsearch train video --out`)");
        }

        var (clip, tokenizer) = Commands.TrainVideoCommand.OpenClip(clipFolder);
        try
        {
            var (model, config) = VideoModel.Load(folder, clip, tokenizer);
            if (config.TemporalAttention)
            {
                model.Dispose();
                throw new VidSearchException(ErrorKind.Incompatible, folder,
                    "was trained with --temporal-attention, whose frame embeddings come from the adapted image encoder; `eval --head` runs heads over the plain CLIP frame embeddings only");
            }

            if (!string.Equals(config.ClipModelId, clip.ModelId, StringComparison.Ordinal))
            {
                model.Dispose();
                throw new VidSearchException(ErrorKind.Incompatible, folder,
                    $"was trained on CLIP '{config.ClipModelId}' ({config.ClipModel}), --model is '{clip.ModelId}'; evaluate with the model it was trained on");
            }

            model.SetTraining(false);
            return new TrainedHead(clip, model, config);
        }
        catch
        {
            clip.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        clip.Dispose();
    }

    private sealed class PromptedTexts(VideoModel model) : ITextEncoder
    {
        public int EmbeddingDim => model.Clip.EmbeddingDim;

        public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
        {
            using var scope = NewDisposeScope();
            var embeddings = model.EncodeTextsNoGrad(texts).to_type(ScalarType.Float32).contiguous();
            return new EmbeddingMatrix(embeddings.data<float>().ToArray(), texts.Count, (int)embeddings.shape[1]);
        }
    }
}

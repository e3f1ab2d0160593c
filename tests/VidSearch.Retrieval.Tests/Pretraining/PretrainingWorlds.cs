using VidSearch.Core;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.TestSupport;

namespace VidSearch.Retrieval.Tests.Pretraining;

/// <summary>Small synthetic worlds of stills and film strips for the pretraining tests.</summary>
internal static class PretrainingWorlds
{
    public static readonly ClipTokenizer Tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);

    /// <summary>A small world's pairs, loaded for the micro preset (64 px).</summary>
    public static async Task<(List<ImageTextPair> Pairs, PreparedPairs Data)> Prepared(TempDirectory temp, int stills, int strips, long seed)
    {
        var pairs = await StillsAndStrips(temp, stills, strips, seed);
        var data = PreparedPairs.Load(pairs, PreprocessConfig.Clip(PretrainingPresets.Get("micro").ImageSize), Tokenizer, 32,
            cancellationToken: TestContext.Current.CancellationToken);
        return (pairs, data);
    }

    /// <summary>Stills (static task) and film strips (motion task) in temp/static and temp/motion, as `vidsearch synth` writes them.</summary>
    public static async Task<List<ImageTextPair>> StillsAndStrips(TempDirectory temp, int stills, int strips, long seed, Func<WorldOptions, WorldOptions>? world = null)
    {
        var options = new WorldOptions { Seed = seed, StaticPairs = stills, MotionClips = strips, ValFraction = 0.1, TestFraction = 0.2, ClipMaxSeconds = 4 };
        options = world?.Invoke(options) ?? options;
        var writer = new DatasetWriter(options);
        await writer.WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);
        await writer.WriteTaskAsync(temp.File("motion"), SyntheticTask.Motion, cancellationToken: TestContext.Current.CancellationToken);
        return [.. PretrainingPairs.Load(temp.Path)];
    }
}

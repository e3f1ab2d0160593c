using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Models.Store;
using VidSearch.Models.Tokenization;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Tokenization;

public class ClipTokenizerLocatorTests
{
    [Fact]
    public void Explicit_vocabulary_files_and_folders_are_opened_by_kind()
    {
        using var dir = new TempDirectory();
        Assert.Equal([49406, 2368, 49407], ClipTokenizerLocator.Open(SharedData.ClipVocabulary, null, new ModelStore(dir.Path)).Encode("cat"));

        File.Copy(SharedData.ClipVocabulary, dir.File("bpe_simple_vocab_16e6.txt.gz"));
        Assert.Equal([49406, 2368, 49407], ClipTokenizerLocator.Open(dir.Path, null, new ModelStore(dir.File("store"))).Encode("cat"));

        File.WriteAllText(dir.File("notes.txt"), "x");
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => ClipTokenizerLocator.Open(dir.File("notes.txt"), null)).Kind);
        File.WriteAllText(dir.File("vocab.json"), "{}");
        Assert.Contains("merges.txt", Assert.Throws<VidSearchException>(() => ClipTokenizerLocator.Open(dir.File("vocab.json"), null)).Message);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => ClipTokenizerLocator.Open("a", "b")).Kind);
    }

    [Fact]
    public void A_model_of_the_store_provides_its_tokenizer_and_an_empty_store_explains_what_to_do()
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(dir.File("store"));
        if (Environment.GetEnvironmentVariable("VIDSEARCH_CLIP_VOCAB") is null)
        {
            var e = Assert.Throws<VidSearchException>(() => ClipTokenizerLocator.Open(null, null, store));
            Assert.Contains("--vocab", e.Message);
        }

        string folder = Path.Combine(dir.Path, "m");
        Directory.CreateDirectory(Path.Combine(folder, "onnx"));
        File.WriteAllBytes(Path.Combine(folder, "onnx", "text_model.onnx"), [1, 2, 3]);
        File.Copy(SharedData.ClipVocabulary, Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz"));
        store.Import(folder, "m", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([49406, 1929, 49407], ClipTokenizerLocator.Open(null, "m", store).Encode("dog"));
        Assert.Equal([49406, 1929, 49407], ClipTokenizerLocator.Open(null, null, store).Encode("dog"));
    }

    [Fact]
    public void Encoding_captions_is_fast()
    {
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        string[] words = ["a", "person", "riding", "motorcycle", "on", "the", "street", "at", "night", "while", "dog", "runs", "beside", "him", "quickly", "red", "car"];
        var random = new Random(7);
        var captions = Enumerable.Range(0, 20_000).Select(_ => string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)]))).ToArray();

        var watch = Stopwatch.StartNew();
        long tokens = 0;
        for (int i = 0; i < captions.Length; i += 256)
        {
            var batch = tokenizer.EncodeBatch(captions[i..Math.Min(i + 256, captions.Length)]);
            tokens += batch.AttentionMask.Sum();
        }

        watch.Stop();
        TestContext.Current.SendDiagnosticMessage($"{captions.Length} captions, {tokens} tokens in {watch.Elapsed.TotalMilliseconds:0} ms: {captions.Length / watch.Elapsed.TotalSeconds:0} captions/s");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }
}

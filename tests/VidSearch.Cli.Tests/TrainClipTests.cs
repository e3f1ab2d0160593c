using System.Text.Json;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

/// <summary>`vidsearch train clip` end to end: a short run on a tiny static world, its report and its test misses.</summary>
[Collection(nameof(ConsoleCapture))]
public class TrainClipTests
{
    [Fact]
    public async Task ReportsRecallAndEveryTestMissByWhatTellsItsRivalApart()
    {
        using var temp = new TempDirectory();
        var world = new WorldOptions { Seed = 2, StaticPairs = 300, ValFraction = 0.1, TestFraction = 0.2 };
        await new DatasetWriter(world).WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);

        var (code, output, error) = await EndToEndTests.Run("train", "clip", "--data", temp.File("static"), "--out", temp.File("model"), "--config", "micro",
            "--epochs", "2", "--batch-size", "32", "--shards", "2", "--vocab", SharedData.ClipVocabulary, "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("options").GetProperty("shards").GetInt32());
        var test = root.GetProperty("test");
        int queries = test.GetProperty("queries").GetInt32();
        var misses = root.GetProperty("testMisses");
        foreach (var (direction, recall) in new[] { ("image->text", "imageToTextR1"), ("text->image", "textToImageR1") })
        {
            int missed = misses.GetProperty(direction).EnumerateObject().Sum(p => p.Value.GetInt32());
            Assert.Equal(queries - (int)Math.Round(test.GetProperty(recall).GetDouble() * queries / 100), missed);
            Assert.All(misses.GetProperty(direction).EnumerateObject(), p => Assert.Matches("^(count|binding|other|(size|colour|shape)(\\+(colour|shape))*)$", p.Name));
        }

        Assert.True(File.Exists(Path.Combine(temp.File("model"), "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(temp.File("model"), "pretraining.json")));
    }
}

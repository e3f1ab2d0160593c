using System.Text.Json;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

/// <summary>`vidsearch bench train`: the whole-batch and the sharded pretraining step timed in one run.</summary>
[Collection(nameof(ConsoleCapture))]
public class BenchTrainTests
{
    [Fact]
    public async Task TimesBothStepsInAlternatingRoundsAndComparesTheirLoss()
    {
        using var temp = new TempDirectory();
        var world = new WorldOptions { Seed = 1, StaticPairs = 200, MaxObjects = 1, ValFraction = 0.1, TestFraction = 0.1 };
        await new DatasetWriter(world).WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);

        var (code, output, error) = await EndToEndTests.Run("bench", "train", "--data", temp.File("static"), "--config", "micro", "--batch-size", "32",
            "--steps", "2", "--rounds", "2", "--vocab", SharedData.ClipVocabulary, "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var timings = root.GetProperty("timings").EnumerateArray().ToList();
        Assert.Equal(["whole batch", "sharded", "sharded", "whole batch"], timings.Select(t => t.GetProperty("mode").GetString()));
        Assert.All(timings, t => Assert.True(t.GetProperty("pairsPerSecond").GetDouble() > 0));
        double whole = root.GetProperty("wholeBatchPairsPerSecond").GetDouble();
        double sharded = root.GetProperty("shardedPairsPerSecond").GetDouble();
        Assert.Equal(sharded / whole, root.GetProperty("speedUp").GetDouble(), 6);
        Assert.True(root.GetProperty("loss").GetDouble() > 0);
        Assert.InRange(root.GetProperty("lossDifference").GetDouble(), 0, 1e-4);

        // 160 training stills cannot fill 11 batches of 32.
        (code, _, error) = await EndToEndTests.Run("bench", "train", "--data", temp.File("static"), "--config", "micro", "--batch-size", "32",
            "--vocab", SharedData.ClipVocabulary);
        Assert.NotEqual(0, code);
        Assert.Contains("the benchmark needs 352", error);
    }
}

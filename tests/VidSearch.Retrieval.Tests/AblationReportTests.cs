using VidSearch.Core;
using VidSearch.Eval.Metrics;
using VidSearch.Retrieval.Ablation;
using VidSearch.TestSupport;

namespace VidSearch.Retrieval.Tests;

public sealed class AblationReportTests
{
    private static RetrievalMetrics Metrics(params int[] ranks) => RetrievalMetrics.FromRanks(ranks, 10);

    private static AblationReport Report() => new("/w", "/m", "uniform:8", 7, 3, new DateTime(2026, 11, 23, 14, 0, 0, DateTimeKind.Utc), 12.5,
        new Dictionary<string, int> { ["train"] = 20, ["retrieval"] = 10 },
        [
            new AblationRow(AblationRunner.ZeroShot, "none", 0, null, Metrics(0, 3), Metrics(1, 1), 50, 50, 48.5, null, 30, null, null, 20, null),
            new AblationRow("mean +temporal-attention", "3 epochs", 4, 50, Metrics(0, 0), Metrics(0, 2), 100, 100, 97, 40, 60, 70, 55, 35, [0.01f, -0.02f],
                ReversalValAccuracy: 99,
                ReversalFamilies: new Dictionary<string, FamilyReversal> { ["up/down"] = new(20, 95), ["grow/shrink"] = new(10, 100) },
                ReversalValFamilies: new Dictionary<string, FamilyReversal> { ["up/down"] = new(5, 100) },
                Probes: [new FamilyProbe("up/down", 30, 8, 87.5, 62.5, 50)], ReversalTrainAccuracy: 88),
        ]);

    [Fact]
    public void Markdown_json_and_svg_hold_every_row_the_seed_and_the_scales()
    {
        using var dir = new TempDirectory();
        var files = AblationReportWriter.Write(Report(), dir.Path);
        Assert.Equal(3, files.Count);
        string md = File.ReadAllText(files[0]);
        Assert.Contains("seed 7", md);
        Assert.Contains("| mean (zero-shot) | 50.0 | 100.0 |", md);
        Assert.Contains("| 48.5 | - | 30.0 | - | - | 20.0 |", md);
        Assert.Contains("| mean +temporal-attention | 0.0100 | -0.0200 |", md);
        Assert.Contains("\"reversal_accuracy\": 97", File.ReadAllText(files[1]));
        Assert.Contains("| config | train clips (seen) | all | grow/shrink (10/0 q) | up/down (20/5 q) |", md);
        Assert.Contains("| mean +temporal-attention | 88.0 | 97.0 / 99.0 | 100.0 / - | 95.0 / 100.0 |", md);
        Assert.Contains("| mean +temporal-attention | up/down | 30 / 8 | 87.5 | 62.5 | 50.0 |", md);
        string svg = File.ReadAllText(files[2]);
        Assert.StartsWith("<svg", svg);
        Assert.Contains("mean +temporal-attention", svg);
    }

    [Fact]
    public void Configurations_follow_the_heads_filter_and_refuse_unknown_heads()
    {
        var all = AblationRunner.Configurations(new AblationOptions { World = "w", ModelName = "m" });
        Assert.Contains(all, c => c.Label == "temporal");
        Assert.Contains(all, c => c.Label == "mean +temporal-attention");
        Assert.Contains(all, c => c.Label == "temporal +dsl");
        var onlyTemporal = AblationRunner.Configurations(new AblationOptions { World = "w", ModelName = "m", Heads = ["temporal"], EncoderRows = false });
        Assert.All(onlyTemporal, c => Assert.Equal("temporal", c.Head));
        Assert.Equal(["temporal", "temporal +dsl", "temporal +queue256", "temporal +twins", "temporal +prompts4 +twins", "temporal +prompts4-after +twins", "temporal +twins +text-adapter"], onlyTemporal.Select(c => c.Label));
        Assert.Throws<VidSearchException>(() => AblationRunner.Configurations(new AblationOptions { World = "w", ModelName = "m", Heads = ["bogus"] }));

        var picked = AblationRunner.Configurations(new AblationOptions { World = "w", ModelName = "m", Labels = ["mean", "temporal +temporal-attention +twins"] });
        Assert.Equal(["mean", "temporal +temporal-attention +twins"], picked.Select(c => c.Label));
        Assert.True(picked[1].TemporalAttention && picked[1].TwinBatches);
        Assert.Throws<VidSearchException>(() => AblationRunner.Configurations(new AblationOptions { World = "w", ModelName = "m", Labels = ["temporal +bogus"] }));
    }
}

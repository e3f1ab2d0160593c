using System.Text.Json;
using System.Text.Json.Serialization;

namespace VidSearch.Retrieval.Training;

/// <summary>One finished epoch: mean training loss, learning rate at its end, validation metrics, time.</summary>
public sealed record EpochRecord(
    int Epoch,
    long Step,
    double Loss,
    double LearningRate,
    double Seconds,
    double SamplesPerSecond,
    IReadOnlyDictionary<string, double> Metrics);

/// <summary>The JSON training log (training-log.json in the checkpoint folder).</summary>
public sealed class TrainingLog
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public long Seed { get; set; }

    public List<EpochRecord> Epochs { get; set; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainingLog FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingLog>(json, Json) ?? throw new JsonException("empty training log");
}

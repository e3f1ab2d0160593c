using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Video;
using VidSearch.Synthetic.Manifest;

namespace VidSearch.Retrieval.Ablation;

/// <summary>
/// The encoded benchmark sets of a synthetic world (sub-folders retrieval, reversal, compositional, actions, choice;
/// a missing one is skipped): training = the train splits of retrieval, reversal and actions (captioned clips),
/// validation = retrieval val, and the test split of each benchmark (compositional: all its rows are test).
/// Frames are decoded and encoded by the frozen CLIP once and shared by every configuration.
/// </summary>
public sealed class AblationData : IDisposable
{
    public static readonly string[] TrainingTasks = ["retrieval", "reversal", "actions"];

    private AblationData(Dictionary<string, VideoSet> sets) => Sets = sets;

    /// <summary>
    /// "train", "val", and the benchmark names ("retrieval", "reversal", ...), each a test set; "actions-train" for few-shot
    /// support; "reversal-train" (the reversal clips of "train") and "reversal-val" (the reversal val split) for diagnostics.
    /// </summary>
    public IReadOnlyDictionary<string, VideoSet> Sets { get; }

    public VideoSet Train => Sets["train"];

    public VideoSet? Get(string name) => Sets.GetValueOrDefault(name);

    public static AblationData Load(string world, ClipModel clip, string sampling, bool keepPixels, IProgress<WorkProgress>? progress = null, CancellationToken ct = default,
        string? frameCache = null)
    {
        if (!Directory.Exists(world))
        {
            throw new VidSearchException(ErrorKind.NotFound, world, "world folder not found (make one with 'vidsearch synth')");
        }

        var reader = new VideoClipReader(sampling, clip.Preprocess, frameCache);
        var datasets = new Dictionary<string, ManifestDataset>();
        foreach (var task in new[] { "retrieval", "reversal", "compositional", "actions", "choice" })
        {
            string folder = Path.Combine(world, task);
            if (File.Exists(Path.Combine(folder, ManifestWriter.FileName)))
            {
                datasets[task] = ManifestReader.Read(folder);
            }
        }

        if (!datasets.ContainsKey("retrieval"))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, world, "no retrieval/manifest.jsonl: the ablation needs at least the retrieval task");
        }

        var sets = new Dictionary<string, VideoSet>();
        try
        {
            var train = new List<VideoClipPixels>();
            IReadOnlyList<VideoClipPixels>? actionsTrain = null;
            var reversalTrain = new List<int>();
            foreach (var task in TrainingTasks.Where(datasets.ContainsKey))
            {
                var rows = datasets[task].Split("train").Where(r => r.Captions is { Count: > 0 } && r.Video is not null).ToList();
                var read = reader.Read(datasets[task], rows, Prefixed(progress, $"{task} train"), ct);
                if (task == "reversal")
                {
                    reversalTrain.AddRange(Enumerable.Range(train.Count, read.Count));
                }

                train.AddRange(read);
                if (task == "actions")
                {
                    actionsTrain = read;
                }
            }

            if (train.Count < 2)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, world, "fewer than 2 captioned training clips");
            }

            sets["train"] = VideoSet.Encode(clip, train, keepPixels, progress, ct);
            Add(sets, "val", reader, datasets["retrieval"], "val", clip, keepPixels, progress, ct);
            if (reversalTrain.Count > 0)
            {
                sets["reversal-train"] = sets["train"].Select(reversalTrain);
            }

            if (datasets.TryGetValue("reversal", out var reversal))
            {
                // Unseen clips captioned with TRAIN templates: order sensitivity without paraphrase generalisation.
                Add(sets, "reversal-val", reader, reversal, "val", clip, keepPixels, progress, ct);
            }

            foreach (var (task, dataset) in datasets)
            {
                Add(sets, task, reader, dataset, task == "compositional" ? null : "test", clip, keepPixels, progress, ct);
            }

            if (actionsTrain is { Count: > 0 })
            {
                // The few-shot support set: the actions training clips, decoded once above.
                sets["actions-train"] = VideoSet.Encode(clip, actionsTrain, keepPixels, progress, ct);
            }

            return new AblationData(sets);
        }
        catch
        {
            foreach (var s in sets.Values)
            {
                s.Dispose();
            }

            throw;
        }
    }

    private static void Add(Dictionary<string, VideoSet> sets, string name, VideoClipReader reader, ManifestDataset dataset, string? split, ClipModel clip, bool keepPixels,
        IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var rows = (split is null ? dataset.Rows : dataset.Split(split)).Where(r => r.Video is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var pixels = reader.Read(dataset, rows, Prefixed(progress, name), ct);
        sets[name] = VideoSet.Encode(clip, pixels, keepPixels, progress, ct);
    }

    private static IProgress<WorkProgress>? Prefixed(IProgress<WorkProgress>? progress, string what) =>
        progress is null ? null : new RelayProgress(p => progress.Report(p with { Task = $"decode {what}" }));

    public void Dispose()
    {
        foreach (var s in Sets.Values)
        {
            s.Dispose();
        }
    }
}

internal sealed class RelayProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
{
    public void Report(WorkProgress value) => report(value);
}

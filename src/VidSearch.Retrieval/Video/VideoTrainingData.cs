using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Synthetic.Manifest;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// Training and validation clips for <c>vidsearch train video</c>: a dataset folder (manifest.jsonl; its train and
/// val splits) or a synthetic world folder (the train splits of retrieval, reversal and actions; retrieval's val split).
/// </summary>
public static class VideoTrainingData
{
    public static (VideoSet Train, VideoSet? Validation) Load(string path, ClipModel clip, string sampling, bool keepPixels,
        IProgress<WorkProgress>? progress = null, CancellationToken ct = default, string? frameCache = null)
    {
        var sources = new List<ManifestDataset>();
        ManifestDataset? validationSource;
        if (File.Exists(Path.Combine(path, ManifestWriter.FileName)) || File.Exists(path))
        {
            var dataset = ManifestReader.Read(path);
            sources.Add(dataset);
            validationSource = dataset;
        }
        else if (Directory.Exists(path))
        {
            foreach (var task in new[] { "retrieval", "reversal", "actions" })
            {
                string folder = Path.Combine(path, task);
                if (File.Exists(Path.Combine(folder, ManifestWriter.FileName)))
                {
                    sources.Add(ManifestReader.Read(folder));
                }
            }

            if (sources.Count == 0)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, "neither a manifest.jsonl nor a synthetic world (retrieval/, reversal/, actions/)");
            }

            validationSource = sources[0];
        }
        else
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "training data folder not found");
        }

        var reader = new VideoClipReader(sampling, clip.Preprocess, frameCache);
        var train = new List<VideoClipPixels>();
        foreach (var source in sources)
        {
            var rows = source.Split("train").Where(r => r.Video is not null && r.Captions is { Count: > 0 }).ToList();
            train.AddRange(reader.Read(source, rows, progress, ct));
        }

        if (train.Count < 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"{train.Count} captioned video rows in the train split; training needs at least 2");
        }

        var trainSet = VideoSet.Encode(clip, train, keepPixels, progress, ct);
        var valRows = validationSource.Split("val").Where(r => r.Video is not null && r.Captions is { Count: > 0 }).ToList();
        var valSet = valRows.Count == 0 ? null : VideoSet.Encode(clip, reader.Read(validationSource, valRows, progress, ct), keepPixels, progress, ct);
        return (trainSet, valSet);
    }
}

using VidSearch.Core;
using VidSearch.Synthetic.Manifest;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>Reads the image rows (stills and film strips) of datasets in the manifest format as pretraining pairs.</summary>
public static class PretrainingPairs
{
    /// <summary>
    /// A dataset folder (or manifest file), or a `vidsearch synth` output folder: its static/ stills and, when present,
    /// its motion/ film strips.
    /// </summary>
    public static IReadOnlyList<ImageTextPair> Load(string folder)
    {
        var folders = new List<string>();
        if (!File.Exists(Path.Combine(folder, ManifestWriter.FileName)) && Directory.Exists(Path.Combine(folder, "static")))
        {
            folders.Add(Path.Combine(folder, "static"));
            if (File.Exists(Path.Combine(folder, "motion", ManifestWriter.FileName)))
            {
                folders.Add(Path.Combine(folder, "motion"));
            }
        }
        else
        {
            folders.Add(folder);
        }

        var pairs = new List<ImageTextPair>();
        foreach (string dataFolder in folders)
        {
            var dataset = ManifestReader.Read(dataFolder);
            var rows = FromDataset(dataset);
            if (rows.Count == 0)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, dataset.ManifestPath, "has no image rows (rows with \"image\" and \"captions\")");
            }

            pairs.AddRange(rows);
        }

        if (pairs.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count() != pairs.Count)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, folder, "two datasets hold rows with the same id");
        }

        return pairs;
    }

    /// <summary>The dataset's image rows as pairs (a row's `frames` makes it a film strip).</summary>
    public static IReadOnlyList<ImageTextPair> FromDataset(ManifestDataset dataset)
        => dataset.Rows
            .Where(r => r.Image is not null)
            .Select(r => new ImageTextPair(r.Id, dataset.MediaPath(r), r.Captions ?? [], r.Split, r.Group, r.Frames ?? 1, r.Unit))
            .ToList();
}

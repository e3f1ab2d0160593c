using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>The dataset formats by name, and detection of a folder's format.</summary>
public static class DatasetFormats
{
    public static IReadOnlyList<IDatasetAdapter> All() =>
    [
        new ManifestAdapter(), new MsrvttAdapter(fullSplit: false), new MsrvttAdapter(fullSplit: true), new MsvdAdapter(),
        new ActivityNetCaptionsAdapter(), new DidemoAdapter(), new LsmdcAdapter(), new ActionFolderAdapter(),
    ];

    public static IReadOnlyList<string> Names => All().Select(a => a.Format).ToList();

    public static IDatasetAdapter Get(string format)
        => All().FirstOrDefault(a => a.Format.Equals(format, StringComparison.OrdinalIgnoreCase))
           ?? throw VidSearchException.Argument("--dataset-format", $"unknown format \"{format}\" (known: {string.Join(", ", Names)})");

    /// <summary>The adapter for a folder: the one named, else the first whose files are there.</summary>
    public static IDatasetAdapter Detect(string directory, string? format = null)
    {
        if (!string.IsNullOrWhiteSpace(format))
        {
            return Get(format);
        }

        DatasetFiles.RequireDirectory(directory);
        return All().FirstOrDefault(a => a.CanRead(directory))
               ?? throw new VidSearchException(ErrorKind.InvalidInput, directory,
                   $"no known dataset format found (formats: {string.Join(", ", Names)}; pass --dataset-format)");
    }

    public static VideoDataset Load(string directory, string? format = null) => Detect(directory, format).Load(directory);
}

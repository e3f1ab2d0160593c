namespace VidSearch.Eval.Datasets;

/// <summary>Reads one dataset format into a <see cref="VideoDataset"/>.</summary>
public interface IDatasetAdapter
{
    /// <summary>The name users pass to --dataset-format.</summary>
    string Format { get; }

    /// <summary>One line for help texts: which files it reads.</summary>
    string Description { get; }

    /// <summary>Whether <paramref name="directory"/> looks like this format (used for auto-detection).</summary>
    bool CanRead(string directory);

    VideoDataset Load(string directory);
}

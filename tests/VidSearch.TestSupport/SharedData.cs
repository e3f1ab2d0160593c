namespace VidSearch.TestSupport;

/// <summary>
/// Locates ../shared (the data every developer and CI has beside the repository; never committed).
/// VIDSEARCH_SHARED overrides the location.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Real(params string[] parts) => Path(["data", "real", .. parts]);

    public static string ClipVocabulary => Path("data", "clip", "bpe_simple_vocab_16e6.txt.gz");

    /// <summary>The repository root (the folder holding VidSearch.slnx).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "VidSearch.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("VidSearch.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("VIDSEARCH_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        string candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared"));
        if (!Directory.Exists(System.IO.Path.Combine(candidate, "data")))
        {
            throw new DirectoryNotFoundException($"shared data not found at {candidate} (set VIDSEARCH_SHARED)");
        }

        return candidate;
    }
}

using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>Which vector index to use.</summary>
public enum VectorIndexChoice
{
    /// <summary>Exact below <see cref="VectorIndexFactory.ApproximateThreshold"/> vectors, <see cref="Approximate"/> above.</summary>
    Auto,
    Exact,

    /// <summary>IVF or binary codes, whichever the data makes cheaper (<see cref="VectorIndexFactory"/>).</summary>
    Approximate,
    Ivf,
    Hnsw,

    /// <summary>One-bit codes of every vector scanned, candidates re-scored exactly (<see cref="BinaryCodeIndex"/>).</summary>
    Binary,
}

/// <summary>
/// Chooses and opens the vector index of a collection: exact search for small collections, an approximate index
/// (IVF-SQ8, HNSW or binary codes, loaded from its file beside the database, or rebuilt and saved when missing or stale) for
/// large ones.
/// </summary>
/// <remarks>
/// Approximate (and Auto on large collections) chooses from the data. IVF is built and tuned first; on clustered data
/// it probes a few lists and reads far less than any scan of every vector, and is kept. When its tuned nprobe makes it
/// read more than the binary codes' scan alone (near-uniform data, where it must probe most lists), the binary codes
/// are built and tuned too, and the one whose query reads fewer bytes is used (<see cref="QueryCost"/>). HNSW is
/// opened only when asked: on near-uniform data IVF reached the recall target at about a tenth of its latency and
/// builds 12-80x faster (search RESULTS.md).
/// </remarks>
public static class VectorIndexFactory
{
    /// <summary>Collections with at least this many vectors use the approximate index under Auto.</summary>
    public const int ApproximateThreshold = 50_000;

    /// <summary>The kind <see cref="KindFor"/> names for IVF or binary codes chosen from the data.</summary>
    public const string ChosenFromData = "approximate";

    public static VectorIndexChoice ParseChoice(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => VectorIndexChoice.Auto,
        "exact" => VectorIndexChoice.Exact,
        "approximate" or "ann" => VectorIndexChoice.Approximate,
        "ivf" => VectorIndexChoice.Ivf,
        "hnsw" => VectorIndexChoice.Hnsw,
        "binary" => VectorIndexChoice.Binary,
        _ => throw VidSearchException.Argument("--index", $"'{value}' is not an index choice (auto, exact, approximate, ivf, hnsw, binary)"),
    };

    /// <summary>
    /// The index kind ("exact", "ivf", "hnsw" or "binary") a choice opens for a store of <paramref name="count"/>
    /// vectors, or <see cref="ChosenFromData"/> when the data decides between IVF and binary codes.
    /// </summary>
    public static string KindFor(VectorIndexChoice choice, int count) => choice switch
    {
        VectorIndexChoice.Exact => "exact",
        VectorIndexChoice.Ivf => "ivf",
        VectorIndexChoice.Hnsw => "hnsw",
        VectorIndexChoice.Binary => "binary",
        VectorIndexChoice.Approximate => ChosenFromData,
        VectorIndexChoice.Auto => count >= ApproximateThreshold ? ChosenFromData : "exact",
        _ => throw new ArgumentOutOfRangeException(nameof(choice)),
    };

    /// <summary>
    /// The setting an index searches with by default (e.g. "nprobe=7/1000", "-" for exact search) and what its tuning
    /// measured there; null for an index that was not tuned.
    /// </summary>
    public static (string Setting, TuningMeasurement? Measured) SettingOf(IVectorIndex index) => index switch
    {
        IvfIndex ivf => ($"nprobe={ivf.DefaultNprobe}/{ivf.ListCount}", ivf.Tuning?.Measured),
        HnswIndex hnsw => ($"ef={hnsw.DefaultEf}", hnsw.Tuning?.Measured),
        BinaryCodeIndex binary => ($"candidates={binary.DefaultCandidates}", binary.Tuning?.Measured),
        _ => ("-", null),
    };

    /// <summary>The cache file of an approximate kind: the IVF lists at <paramref name="annPath"/>, the HNSW graph and the binary codes beside it with extensions .hnsw and .codes.</summary>
    public static string CachePath(string annPath, string kind) => kind switch
    {
        "hnsw" => Path.ChangeExtension(annPath, ".hnsw"),
        "binary" => Path.ChangeExtension(annPath, ".codes"),
        _ => annPath,
    };

    /// <summary>The cached index of <paramref name="kind"/> when its file is present and current, else null.</summary>
    public static IVectorIndex? TryLoadCached(VectorStore store, string kind, string annPath, long fingerprint) => kind switch
    {
        "ivf" => IvfIndex.TryLoad(CachePath(annPath, kind), store, fingerprint),
        "hnsw" => HnswIndex.TryLoad(CachePath(annPath, kind), store, fingerprint),
        "binary" => BinaryCodeIndex.TryLoad(CachePath(annPath, kind), store, fingerprint),
        _ => null,
    };

    /// <summary>The data-driven choice between two built indexes: binary codes when their query reads fewer bytes than IVF's.</summary>
    public static bool PrefersBinaryCodes(double ivfQueryBytes, double binaryQueryBytes) => binaryQueryBytes < ivfQueryBytes;

    /// <param name="annPath">Where the approximate index is cached (see <see cref="CachePath"/>); null keeps it in memory only.</param>
    /// <param name="fingerprint">Identifies the store's content (and the tuning queries); a cached index with another one is rebuilt.</param>
    /// <param name="tuningQueries">
    /// Queries from outside the store (text embeddings of likely queries) that a built index is tuned to serve as well as
    /// the stored vectors, unless the build options bring their own; null: tune on stored vectors only.
    /// </param>
    public static IVectorIndex Open(
        VectorStore store,
        VectorIndexChoice choice,
        string? annPath,
        long fingerprint,
        IvfBuildOptions? ivfOptions = null,
        HnswBuildOptions? hnswOptions = null,
        BinaryBuildOptions? binaryOptions = null,
        IProgress<WorkProgress>? progress = null,
        IReadOnlyList<float[]>? tuningQueries = null,
        CancellationToken cancellationToken = default)
        => new Opener(store, annPath, fingerprint, WithTuningQueries(ivfOptions, hnswOptions, binaryOptions, tuningQueries), progress, cancellationToken).Open(choice);

    /// <summary>As <see cref="Open"/> with the default build options; <paramref name="built"/> tells whether an index had to be built (no current cache).</summary>
    internal static IVectorIndex Open(VectorStore store, VectorIndexChoice choice, string? annPath, long fingerprint, IReadOnlyList<float[]>? tuningQueries, IProgress<WorkProgress>? progress, CancellationToken cancellationToken, out bool built)
    {
        var opener = new Opener(store, annPath, fingerprint, WithTuningQueries(null, null, null, tuningQueries), progress, cancellationToken);
        var index = opener.Open(choice);
        built = opener.Built;
        return index;
    }

    private static (IvfBuildOptions Ivf, HnswBuildOptions Hnsw, BinaryBuildOptions Binary) WithTuningQueries(
        IvfBuildOptions? ivf, HnswBuildOptions? hnsw, BinaryBuildOptions? binary, IReadOnlyList<float[]>? tuningQueries)
    {
        ivf ??= new IvfBuildOptions();
        hnsw ??= new HnswBuildOptions();
        binary ??= new BinaryBuildOptions();
        return (ivf with { TuningQueries = ivf.TuningQueries ?? tuningQueries },
            hnsw with { TuningQueries = hnsw.TuningQueries ?? tuningQueries },
            binary with { TuningQueries = binary.TuningQueries ?? tuningQueries });
    }

    private sealed class Opener(
        VectorStore store,
        string? annPath,
        long fingerprint,
        (IvfBuildOptions Ivf, HnswBuildOptions Hnsw, BinaryBuildOptions Binary) options,
        IProgress<WorkProgress>? progress,
        CancellationToken cancellationToken)
    {
        public bool Built { get; private set; }

        public IVectorIndex Open(VectorIndexChoice choice) => KindFor(choice, store.Count) switch
        {
            "exact" => new ExactVectorIndex(store),
            ChosenFromData => ChooseFromData(),
            string kind => Cached(kind),
        };

        private IVectorIndex ChooseFromData()
        {
            var lists = (IvfIndex)Cached("ivf");
            double listBytes = lists.EstimatedQueryBytes;
            if (listBytes <= BinaryCodeIndex.ScanBytes(lists.BuiltCount, store.Dim))
            {
                return lists;
            }

            var codes = (BinaryCodeIndex)Cached("binary");
            return PrefersBinaryCodes(listBytes, codes.EstimatedQueryBytes) ? codes : lists;
        }

        private IVectorIndex Cached(string kind)
        {
            if (annPath is not null && TryLoadCached(store, kind, annPath, fingerprint) is { } cached)
            {
                return cached;
            }

            Built = true;
            IVectorIndex index;
            Action<string> save;
            switch (kind)
            {
                case "hnsw":
                    var graph = HnswIndex.Build(store, options.Hnsw, progress, cancellationToken);
                    (index, save) = (graph, path => graph.Save(path, fingerprint));
                    break;
                case "binary":
                    var codes = BinaryCodeIndex.Build(store, options.Binary, progress, cancellationToken);
                    (index, save) = (codes, path => codes.Save(path, fingerprint));
                    break;
                default:
                    var lists = IvfIndex.Build(store, options.Ivf, progress, cancellationToken);
                    (index, save) = (lists, path => lists.Save(path, fingerprint));
                    break;
            }

            if (annPath is not null)
            {
                SaveQuietly(() => save(CachePath(annPath, kind)));
            }

            return index;
        }
    }

    private static void SaveQuietly(Action save)
    {
        try
        {
            save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache is an optimisation: a read-only folder only costs a rebuild next time.
        }
    }
}

using VidSearch.Core;

namespace VidSearch.Retrieval.Heads;

/// <summary>The one registration point of the heads: every head is created by name.</summary>
public static class HeadFactory
{
    public const string Mean = "mean";
    public const string Temporal = "temporal";
    public const string TextPool = "text-pool";
    public const string XClip = "xclip";
    public const string Prototypes = "prototypes";
    public const string Salient = "salient";
    public const string Hierarchical = "hierarchical";
    public const string Ensemble = "ensemble";

    private static readonly Dictionary<string, Func<HeadOptions, IVideoHead>> Registry = new(StringComparer.Ordinal)
    {
        [Mean] = o => new MeanPoolingHead(o),
        [Temporal] = o => new TemporalTransformerHead(o),
        [TextPool] = o => new TextPoolingHead(o),
        [XClip] = o => new XClipHead(o),
        [Prototypes] = o => new PrototypeHead(o),
        [Salient] = o => new SalientFrameHead(o),
        [Hierarchical] = o => new HierarchicalHead(o),
        [Ensemble] = o => new FrameEnsembleHead(o),
    };

    /// <summary>Every head name, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [Mean, Temporal, TextPool, XClip, Prototypes, Salient, Hierarchical, Ensemble];

    /// <summary>Creates the named head with fresh (seeded by torch.manual_seed) parameters.</summary>
    public static IVideoHead Create(string name, HeadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(name) || !Registry.TryGetValue(name.Trim().ToLowerInvariant(), out var create))
        {
            throw VidSearchException.Argument("head", $"unknown head '{name}' (known: {string.Join(", ", Names)})");
        }

        return create(options);
    }
}

using VidSearch.Core;
using VidSearch.Retrieval.Training;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>How the stills of one confuser cluster resemble each other.</summary>
public enum ConfuserKind
{
    /// <summary>The same multiset of one attribute (e.g. the same colours), the others free: only binding tells them apart.</summary>
    SharedAttribute,

    /// <summary>
    /// The same objects but for one attribute (e.g. a large red circle, a large red square, a large red cross): minimal
    /// pairs that only that attribute tells apart.
    /// </summary>
    OneAttributeDiffers,
}

/// <summary>
/// Hard-negative batching for stills: a share of the training stills is cut into clusters of
/// <see cref="ClusterSize"/> stills that resemble each other (<see cref="ConfuserKind"/>): by default they show the same
/// multiset of one attribute of their objects (the same shapes, or the same colours, or the same sizes) and differ in
/// the others. A cluster shares a batch, so each batch holds stills a model can only tell apart by the contrast the
/// cluster isolates, the errors left once the easy contrasts are learnt. The attribute is drawn per still unless one is
/// given. Groups follow the synthetic world's format (objects joined by '+', attributes of an object by '-', e.g.
/// <c>large-red-circle+small-blue-square</c>: attribute 0 is the size, 1 the colour, 2 the shape); a still whose group
/// has another shape stays alone.
/// </summary>
public sealed class ConfuserClusters
{
    public ConfuserClusters(double share, int clusterSize, long seed, ConfuserKind kind = ConfuserKind.SharedAttribute, int? attribute = null)
    {
        if (!(share is >= 0 and <= 1))
        {
            throw VidSearchException.Argument("--hard-batches", $"must be in [0, 1], got {share}");
        }

        if (clusterSize < 2)
        {
            throw VidSearchException.Argument("cluster size", $"must be at least 2, got {clusterSize}");
        }

        if (attribute is < 0)
        {
            throw VidSearchException.Argument("--hard-batch-attribute", $"must not be negative, got {attribute}");
        }

        Share = share;
        ClusterSize = clusterSize;
        Seed = seed;
        Kind = kind;
        Attribute = attribute;
    }

    public ConfuserKind Kind { get; }

    /// <summary>The attribute every cluster is keyed by (null = drawn per still).</summary>
    public int? Attribute { get; }

    public double Share { get; }

    public int ClusterSize { get; }

    public long Seed { get; }

    /// <summary>
    /// Clusters of <paramref name="candidates"/> (item indices of stills, with their groups): each chosen still is keyed by
    /// one attribute (<see cref="Attribute"/>, or picked by a hash of (seed, item)); a key's stills are shuffled and cut into full clusters. Stills not
    /// chosen, and a key's remainder, are not returned (the caller keeps them as units of their own).
    /// </summary>
    public IReadOnlyList<int[]> Build(IReadOnlyList<(int Item, string Group)> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var buckets = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (item, group) in candidates)
        {
            ulong hash = BatchSampler.Mix((ulong)Seed ^ BatchSampler.Mix((ulong)item + 0x632BE59BD9B4E019UL));
            if ((hash >> 11) * (1.0 / (1UL << 53)) >= Share)
            {
                continue;
            }

            var objects = group.Split('+').Select(o => o.Split('-')).ToArray();
            int attributes = objects[0].Length;
            if (objects.Any(o => o.Length != attributes))
            {
                continue;
            }

            int attribute = Attribute ?? (int)(BatchSampler.Mix(hash) % (ulong)attributes);
            if (attribute >= attributes)
            {
                continue;
            }

            string key = Key(objects, attribute);
            if (!buckets.TryGetValue(key, out var members))
            {
                buckets[key] = members = [];
            }

            members.Add(item);
        }

        var clusters = new List<int[]>();
        ulong state = BatchSampler.Mix((ulong)Seed + 0xD1B54A32D192ED03UL);
        foreach (var members in buckets.Values)
        {
            BatchSampler.Shuffle(members, ref state);
            for (int start = 0; start + ClusterSize <= members.Count; start += ClusterSize)
            {
                clusters.Add(members.GetRange(start, ClusterSize).ToArray());
            }
        }

        return clusters;
    }

    private string Key(string[][] objects, int attribute) => Kind switch
    {
        ConfuserKind.SharedAttribute => attribute + ":" + string.Join(",", objects.Select(o => o[attribute]).Order(StringComparer.Ordinal)),
        _ => attribute + "/" + string.Join(",", objects.Select(o => string.Join("-", o.Select((value, a) => a == attribute ? "*" : value))).Order(StringComparer.Ordinal)),
    };
}

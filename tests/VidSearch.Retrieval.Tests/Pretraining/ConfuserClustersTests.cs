using VidSearch.Core;
using VidSearch.Retrieval.Pretraining;

namespace VidSearch.Retrieval.Tests.Pretraining;

/// <summary>Hard-negative batching: clusters of stills that share one attribute's multiset and differ in the others.</summary>
public class ConfuserClustersTests
{
    private static readonly string[] Sizes = ["large", "small"];
    private static readonly string[] Colors = ["red", "blue", "green", "white"];
    private static readonly string[] Shapes = ["circle", "square", "cross"];

    /// <summary>Groups of one or two objects, drawn from a fixed generator.</summary>
    private static List<(int Item, string Group)> Stills(int count)
    {
        var random = new Random(5);
        string Object() => $"{Sizes[random.Next(Sizes.Length)]}-{Colors[random.Next(Colors.Length)]}-{Shapes[random.Next(Shapes.Length)]}";
        return Enumerable.Range(0, count)
            .Select(i => (i, string.Join("+", Enumerable.Range(0, 1 + random.Next(2)).Select(_ => Object()).Order(StringComparer.Ordinal))))
            .ToList();
    }

    [Fact]
    public void Each_cluster_shares_the_multiset_of_one_attribute_and_no_still_is_used_twice()
    {
        var stills = Stills(3000);
        var groupOf = stills.ToDictionary(s => s.Item, s => s.Group);
        var clusters = new ConfuserClusters(share: 0.5, clusterSize: 8, seed: 1).Build(stills);

        var items = clusters.SelectMany(c => c).ToList();
        Assert.Equal(items.Count, items.Distinct().Count());
        Assert.All(clusters, c => Assert.Equal(8, c.Length));
        // About half the stills are chosen; a key's remainder (< 8 stills per key) stays out.
        Assert.InRange(items.Count, 1200, 1500);

        int[] byAttribute = new int[3];
        foreach (var cluster in clusters)
        {
            var objects = cluster.Select(i => groupOf[i].Split('+').Select(o => o.Split('-')).ToArray()).ToArray();
            int shared = Enumerable.Range(0, 3).First(a => objects.Select(o => string.Join(",", o.Select(x => x[a]).Order(StringComparer.Ordinal))).Distinct().Count() == 1);
            byAttribute[shared]++;
        }

        // Every attribute is used to key some clusters, and the clusters are not copies of one content.
        Assert.All(byAttribute, n => Assert.True(n > 10, $"clusters per attribute: {string.Join(", ", byAttribute)}"));
        Assert.True(clusters.Count(c => c.Select(i => groupOf[i]).Distinct().Count() > 1) > clusters.Count * 0.9);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void Minimal_clusters_hold_the_same_objects_but_for_one_attribute(int? attribute)
    {
        var stills = Stills(3000);
        var groupOf = stills.ToDictionary(s => s.Item, s => s.Group);
        var clusters = new ConfuserClusters(share: 0.5, clusterSize: 8, seed: 1, ConfuserKind.OneAttributeDiffers, attribute).Build(stills);
        string Masked(int item, int masked) => string.Join("+", groupOf[item].Split('+')
            .Select(o => string.Join("-", o.Split('-').Select((value, a) => a == masked ? "*" : value))).Order(StringComparer.Ordinal));
        string Values(int item, int a) => string.Join(",", groupOf[item].Split('+').Select(o => o.Split('-')[a]).Order(StringComparer.Ordinal));

        var items = clusters.SelectMany(c => c).ToList();
        Assert.Equal(items.Count, items.Distinct().Count());
        // About half the stills are chosen; minimal keys are finer, so more of them are left over in a key's remainder.
        Assert.InRange(items.Count, 900, 1500);
        int[] byAttribute = new int[3];
        foreach (var cluster in clusters)
        {
            int differs = Enumerable.Range(0, 3).First(a => cluster.Select(i => Masked(i, a)).Distinct().Count() == 1);
            Assert.True(attribute is null || differs == attribute, $"cluster {string.Join(" | ", cluster.Select(i => groupOf[i]))} is not keyed by attribute {attribute}");
            byAttribute[differs] += cluster.Select(i => Values(i, differs)).Distinct().Count() > 1 ? 1 : 0;
        }

        // The varying attribute does vary: every attribute when drawn per still, only the given one otherwise.
        var expected = Enumerable.Range(0, 3).Where(a => attribute is null || a == attribute).ToArray();
        Assert.All(expected, a => Assert.True(byAttribute[a] > 10, $"clusters whose attribute {a} varies: {string.Join(", ", byAttribute)}"));
        Assert.All(Enumerable.Range(0, 3).Except(expected), a => Assert.Equal(0, byAttribute[a]));
    }

    [Fact]
    public void The_clusters_depend_on_the_seed_only_and_share_zero_gives_none()
    {
        var stills = Stills(800);
        var first = new ConfuserClusters(0.7, 4, seed: 9).Build(stills);
        var again = new ConfuserClusters(0.7, 4, seed: 9).Build(stills);
        var other = new ConfuserClusters(0.7, 4, seed: 10).Build(stills);

        Assert.Equal(first, again);
        Assert.NotEqual(first.SelectMany(c => c), other.SelectMany(c => c));
        Assert.Empty(new ConfuserClusters(0, 4, seed: 9).Build(stills));
    }

    [Theory]
    [InlineData(-0.1, 8)]
    [InlineData(1.5, 8)]
    [InlineData(double.NaN, 8)]
    [InlineData(0.5, 1)]
    public void Absurd_settings_are_clear_errors(double share, int size)
    {
        var error = Assert.Throws<VidSearchException>(() => new ConfuserClusters(share, size, 1));
        Assert.Contains(size < 2 ? "cluster size" : "--hard-batches", error.Message);
        var attribute = Assert.Throws<VidSearchException>(() => new ConfuserClusters(0.5, 8, 1, ConfuserKind.OneAttributeDiffers, attribute: -1));
        Assert.Contains("--hard-batch-attribute", attribute.Message);
    }
}

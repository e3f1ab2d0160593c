using VidSearch.Eval.Datasets;
using VidSearch.TestSupport;

namespace VidSearch.Eval.Tests;

/// <summary>Adapters on the real annotation files of ../shared/data/real.</summary>
public class RealDatasetTests
{
    [Fact]
    public void Msrvtt1kAHasTheThousandTestPairsWithOnlyOneVideoPresent()
    {
        var ds = DatasetFormats.Load(SharedData.Real("msrvtt"));
        Assert.Equal("msrvtt-1ka", ds.Format);
        var test = ds.Videos.Where(v => v.Split == "test").ToList();
        Assert.Equal(1000, test.Count);
        Assert.Equal(1000, test.Select(v => v.Id).Distinct().Count());
        Assert.Equal(1000, ds.Captions.Count);
        Assert.Equal(["video9770"], ds.VideosOf("test").Select(v => v.Id));
        Assert.Equal(999, ds.MissingOf("test").Count);
        Assert.Equal("a person is connecting something to system", ds.CaptionsByVideo["video9770"].Single().Text);
        Assert.Equal(SharedData.Real("msrvtt", "video9770.mp4"), ds.VideosOf("test")[0].Path);
        // the 9k training list, none of whose videos is here and none of which is a test video
        var train = ds.Videos.Where(v => v.Split == "train").ToList();
        Assert.Equal(9000, train.Count);
        Assert.All(train, v => Assert.False(v.Exists));
        Assert.Contains("9k", ds.Name);
    }

    [Fact]
    public void JsFusionRowsKeepTheirOrderAndSentences()
    {
        var rows = MsrvttAdapter.ReadJsFusion(SharedData.Real("msrvtt", MsrvttAdapter.TestList1kA));
        Assert.Equal(1000, rows.Count);
        Assert.Equal(("video9770", "a person is connecting something to system"), rows[0]);
        Assert.Equal(("video9771", "a little girl does gymnastics"), rows[1]);
    }

    [Fact]
    public void ActivityNetCaptionsParagraphs()
    {
        var ds = DatasetFormats.Load(SharedData.Real("activitynet"));
        Assert.Equal("activitynet", ds.Format);
        Assert.Equal("paragraph", ds.CaptionKind);
        Assert.Equal(10009, ds.Videos.Count(v => v.Split == "train"));
        Assert.Equal(4917, ds.Videos.Count(v => v.Split == "test"));
        Assert.Equal(ds.Videos.Count, ds.Captions.Count);
        var present = Assert.Single(ds.Videos, v => v.Exists);
        Assert.Equal("v_ZNVhz7ctTq0", present.Id);
        Assert.Equal("train", present.Split);
        Assert.Equal(ds.Videos.Count - 1, ds.MissingVideos.Count);
        var val = ds.Videos.Single(v => v.Id == "v_uqiMw7tQ1Cc");
        Assert.Equal(55.15, val.Duration);
        Assert.Equal("A weight lifting tutorial is given. The coach helps the guy in red with the proper body placement and lifting technique.",
            ds.CaptionsByVideo["v_uqiMw7tQ1Cc"].Single().Text);
    }

    [Theory]
    [InlineData("mmaction2_kinetics_label_map_k400.txt", 400, "abseiling")]
    [InlineData("mmaction2_kinetics_label_map_k600.txt", 600, "abseiling")]
    [InlineData("mmaction2_kinetics_label_map_k700.txt", 700, "abseiling")]
    [InlineData("mmaction2_ucf101_label_map.txt", 101, "ApplyEyeMakeup")]
    [InlineData("mmaction2_hmdb51_label_map.txt", 51, "brush_hair")]
    [InlineData("mmaction2_sthv2_label_map.txt", 174, "Approaching something with your camera")]
    [InlineData("mmaction2_activitynet_label_map.txt", 200, "Applying sunscreen")]
    public void RealClassListsHaveTheirClassCounts(string file, int count, string first)
    {
        var names = ClassList.Load(SharedData.Real("actions", "labels", file));
        Assert.Equal(count, names.Count);
        Assert.Equal(first, names[0]);
    }

    [Fact]
    public void RealActionClipsWithLabelsTsv()
    {
        var ds = DatasetFormats.Load(SharedData.Real("actions"));
        Assert.Equal("actions", ds.Format);
        Assert.Equal(2, ds.Videos.Count);
        Assert.All(ds.Videos, v => Assert.True(v.Exists));
        Assert.Equal(["arm wrestling", "flipping pancake"], ds.ClassNames);
        Assert.Equal("flipping pancake", ds.Videos.Single(v => v.Id == "flipping_a_pancake").Label);
        Assert.False(ds.HasClassList);

        var kinetics = ds.WithClassList(ClassList.Load(SharedData.Real("actions", "labels", "mmaction2_kinetics_label_map_k400.txt")));
        Assert.True(kinetics.HasClassList);
        Assert.Equal(400, kinetics.ClassNames.Count);
        Assert.All(kinetics.Videos, v => Assert.Contains(v.Label!, kinetics.ClassNames));
        Assert.Equal(ds.Hash, kinetics.Hash);
    }
}

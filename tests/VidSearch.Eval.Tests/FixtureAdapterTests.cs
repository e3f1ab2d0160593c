using VidSearch.Core;
using VidSearch.Eval.Datasets;
using VidSearch.TestSupport;
using static VidSearch.Eval.Tests.ManifestAdapterTests;

namespace VidSearch.Eval.Tests;

/// <summary>Adapters on small hand-written files in each dataset's published format.</summary>
public class FixtureAdapterTests
{
    [Fact]
    public void MsrvttFullSplitReadsDataJson()
    {
        using var dir = new TempDirectory();
        Touch(dir, "videos/all/video7010.mp4");
        File.WriteAllText(dir.File("MSRVTT_data.json"), """
            {"info": {}, "videos": [{"video_id": "video0", "split": "train", "category": 9},
                                    {"video_id": "video6600", "split": "validate"},
                                    {"video_id": "video7010", "split": "test"}],
             "sentences": [{"video_id": "video0", "caption": "a car drives ", "sen_id": 0},
                           {"video_id": "video7010", "caption": "a man sings"},
                           {"video_id": "video7010", "caption": "someone sings a song"}]}
            """);
        var ds = DatasetFormats.Load(dir.Path);
        Assert.Equal("msrvtt-full", ds.Format);
        Assert.Equal(["train", "val", "test"], ds.Videos.Select(v => v.Split));
        Assert.Equal(2, ds.CaptionsByVideo["video7010"].Count());
        Assert.Equal("a car drives", ds.CaptionsByVideo["video0"].Single().Text);
        Assert.True(ds.Videos.Single(v => v.Id == "video7010").Exists);
        Assert.Equal(2, ds.MissingVideos.Count);
    }

    [Fact]
    public void Msrvtt1kATrainCaptionsComeFromDataJson()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("MSRVTT_JSFUSION_test.csv"), ["key,vid_key,video_id,sentence", "ret0,msr9,video9,a dog, running fast", "ret1,msr8,video8,\"a cat\""]);
        File.WriteAllLines(dir.File("MSRVTT_train.7k.csv"), ["video_id", "video1", "video2"]);
        File.WriteAllText(dir.File("MSRVTT_data.json"), """
            {"videos": [{"video_id": "video1", "split": "train"}], "sentences": [{"video_id": "video1", "caption": "a"}, {"video_id": "video1", "caption": "b"}, {"video_id": "video9", "caption": "not used"}]}
            """);
        var adapter = new MsrvttAdapter(fullSplit: false);
        var ds = adapter.Load(dir.Path);
        Assert.Equal("7k", adapter.TrainListUsed);
        Assert.Equal("a dog, running fast", ds.CaptionsByVideo["video9"].Single().Text);
        Assert.Equal("a cat", ds.CaptionsByVideo["video8"].Single().Text);
        Assert.Equal(["a", "b"], ds.CaptionsByVideo["video1"].Select(c => c.Text));
        Assert.Empty(ds.CaptionsByVideo["video2"]);
        Assert.Equal(4, ds.MissingVideos.Count);
    }

    [Fact]
    public void MsrvttBadHeaderNamesTheFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("MSRVTT_JSFUSION_test.csv"), ["a,b", "1,2"]);
        var e = Assert.Throws<VidSearchException>(() => new MsrvttAdapter(false).Load(dir.Path));
        Assert.Contains("video_id", e.Cause);
        Assert.Contains("MSRVTT_JSFUSION_test.csv", e.Subject);
    }

    [Fact]
    public void MsvdCaptionsSplitsAndMapping()
    {
        using var dir = new TempDirectory();
        Touch(dir, "YouTubeClips/-4wsuPCjDBc_5_15.avi");
        File.WriteAllLines(dir.File("AllVideoDescriptions.txt"), ["# header comment", "-4wsuPCjDBc_5_15 a squirrel eats", "-4wsuPCjDBc_5_15 a chipmunk is eating", "abc_1_2 a man cooks"]);
        File.WriteAllLines(dir.File("youtube_mapping.txt"), ["-4wsuPCjDBc_5_15 vid1", "abc_1_2 vid2"]);
        File.WriteAllLines(dir.File("test_list.txt"), ["vid1"]);
        File.WriteAllLines(dir.File("train_list.txt"), ["vid2"]);
        var ds = new MsvdAdapter().Load(dir.Path);
        Assert.Equal(["vid1", "vid2"], ds.Videos.Select(v => v.Id));
        Assert.Equal(["test", "train"], ds.Videos.Select(v => v.Split));
        Assert.Equal(2, ds.CaptionsByVideo["vid1"].Count());
        Assert.True(ds.Videos[0].Exists);
        Assert.Equal(["vid2"], ds.MissingVideos);
    }

    [Fact]
    public void MsvdWithoutMappingFindsFilesById()
    {
        using var dir = new TempDirectory();
        Touch(dir, "clips/abc_1_2.avi");
        File.WriteAllLines(dir.File("AllVideoDescriptions.txt"), ["abc_1_2 a man cooks", "xyz_3_4 a dog barks", "broken"]);
        var e = Assert.Throws<VidSearchException>(() => new MsvdAdapter().Load(dir.Path));
        Assert.EndsWith("line 3", e.Subject);
        File.WriteAllLines(dir.File("AllVideoDescriptions.txt"), ["abc_1_2 a man cooks", "xyz_3_4 a dog barks"]);
        var ds = new MsvdAdapter().Load(dir.Path);
        Assert.All(ds.Videos, v => Assert.Equal("test", v.Split));
        Assert.Equal(["xyz_3_4"], ds.MissingVideos);
    }

    [Fact]
    public void DidemoParagraphsJoinDescriptionsPerVideo()
    {
        using var dir = new TempDirectory();
        Touch(dir, "videos/v1@N0_1_ab.mp4");
        File.WriteAllText(dir.File("test_data.json"), """
            [{"annotation_id": 1, "description": "a man walks in. ", "video": "v1@N0_1_ab.mov", "times": [[0, 0]]},
             {"annotation_id": 2, "description": "the camera pans", "video": "v2@N0_2_cd.mov", "times": [[1, 2]]},
             {"annotation_id": 3, "description": "he sits down", "video": "v1@N0_1_ab.mov", "times": [[3, 3]]}]
            """);
        var ds = DatasetFormats.Load(dir.Path);
        Assert.Equal("didemo", ds.Format);
        Assert.Equal("paragraph", ds.CaptionKind);
        Assert.Equal("a man walks in. he sits down", ds.CaptionsByVideo["v1@N0_1_ab"].Single().Text);
        Assert.True(ds.Videos[0].Exists);
        Assert.Equal(["v2@N0_2_cd"], ds.MissingVideos);
    }

    [Fact]
    public void LsmdcTsvWithTimes()
    {
        using var dir = new TempDirectory();
        Touch(dir, "0001_American_Beauty/0001_American_Beauty_00.00.51.926-00.00.54.702.avi");
        File.WriteAllLines(dir.File("LSMDC16_challenge_1000_publictect.csv"),
        [
            "0001_American_Beauty_00.00.51.926-00.00.54.702\t00.00.51.926\t00.00.54.702\t00.00.51.926\t00.00.54.702\tSOMEONE opens a door.",
            "0001_American_Beauty_00.01.00.000-00.01.02.500\t00.01.00.000\t00.01.02.500\t00.01.00.000\t00.01.02.500\tShe smiles.",
        ]);
        var ds = DatasetFormats.Load(dir.Path);
        Assert.Equal("lsmdc", ds.Format);
        Assert.Equal(2.776, ds.Videos[0].Duration!.Value, 6);
        Assert.True(ds.Videos[0].Exists);
        Assert.Equal("She smiles.", ds.CaptionsByVideo[ds.Videos[1].Id].Single().Text);
        Assert.Equal(62.5, LsmdcAdapter.ParseTime("00.01.02.500"));
        Assert.Null(LsmdcAdapter.ParseTime("soon"));
    }

    [Fact]
    public void KineticsCsvAndClassFolders()
    {
        using var dir = new TempDirectory();
        Touch(dir, "val/abseiling/abc_000010_000020.mp4");
        File.WriteAllLines(dir.File("validate.csv"), ["label,youtube_id,time_start,time_end,split", "abseiling,abc,10,20,val", "air drumming,def,0,10,val"]);
        var ds = DatasetFormats.Load(dir.Path);
        Assert.Equal("actions", ds.Format);
        Assert.Equal(["abc_000010_000020", "def_000000_000010"], ds.Videos.Select(v => v.Id));
        Assert.Equal(["def_000000_000010"], ds.MissingVideos);
        Assert.Equal(["abseiling", "air drumming"], ds.ClassNames);

        using var ucf = new TempDirectory();
        Touch(ucf, "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi");
        Touch(ucf, "Archery/v_Archery_g01_c01.avi");
        Touch(ucf, "Archery/notes.txt");
        var folders = DatasetFormats.Get("actions").Load(ucf.Path);
        Assert.Equal(2, folders.Videos.Count);
        Assert.Equal(["ApplyEyeMakeup", "Archery"], folders.ClassNames);
    }

    [Fact]
    public void ClassListFormats()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("classInd.txt"), ["2 ApplyLipstick", "1 ApplyEyeMakeup", "3 Archery"]);
        Assert.Equal(["ApplyEyeMakeup", "ApplyLipstick", "Archery"], ClassList.Load(dir.File("classInd.txt")));
        File.WriteAllLines(dir.File("k.csv"), ["id,name", "0,abseiling", "1,\"air drumming\""]);
        Assert.Equal(["abseiling", "air drumming"], ClassList.Load(dir.File("k.csv")));
        File.WriteAllText(dir.File("labels.json"), """{"Holding something": "1", "Approaching something with your camera": "0"}""");
        Assert.Equal(["Approaching something with your camera", "Holding something"], ClassList.Load(dir.File("labels.json")));
        File.WriteAllLines(dir.File("dup.txt"), ["a", "b", "a"]);
        Assert.Contains("twice", Assert.Throws<VidSearchException>(() => ClassList.Load(dir.File("dup.txt"))).Cause);
        File.WriteAllText(dir.File("empty.txt"), "\n\n");
        Assert.Contains("empty", Assert.Throws<VidSearchException>(() => ClassList.Load(dir.File("empty.txt"))).Cause);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ClassList.Load(dir.File("none.txt"))).Kind);
    }

    [Theory]
    [InlineData("ApplyEyeMakeup", "apply eye makeup")]
    [InlineData("brush_hair", "brush hair")]
    [InlineData("Approaching [something] with your camera", "approaching something with your camera")]
    [InlineData("BMX", "BMX")]
    [InlineData("YoYo", "yo yo")]
    [InlineData("PlayingTabla", "playing tabla")]
    [InlineData("air drumming", "air drumming")]
    [InlineData("eat meal/snack", "eat meal/snack")]
    [InlineData("x-ray", "x-ray")]
    public void ClassNamesBecomePromptText(string name, string expected)
        => Assert.Equal(expected, ClassList.ToPromptText(name));
}

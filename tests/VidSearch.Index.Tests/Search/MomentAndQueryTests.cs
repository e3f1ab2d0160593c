using VidSearch.Core;
using VidSearch.Index.Search;

namespace VidSearch.Index.Tests.Search;

public sealed class MomentAndQueryTests
{
    private static IReadOnlyList<Moment> Find(float[] scores, MomentOptions? options = null, double length = 2)
    {
        var starts = scores.Select((_, i) => i * length).ToArray();
        var ends = starts.Select(s => s + length).ToArray();
        return MomentFinder.Find(starts, ends, scores, options ?? new MomentOptions());
    }

    [Fact]
    public void Adjacent_high_segments_merge_into_one_moment()
    {
        var moments = Find([0.1f, 0.2f, 0.9f, 0.85f, 0.2f, 0.1f]);
        var moment = Assert.Single(moments);
        Assert.Equal(new Moment(4, 8, 0.9f), moment);
    }

    [Fact]
    public void Separate_peaks_give_separate_moments_best_first()
    {
        var moments = Find([0.8f, 0.1f, 0.1f, 0.9f, 0.1f]);
        Assert.Equal([new Moment(6, 8, 0.9f), new Moment(0, 2, 0.8f)], moments);
        Assert.Single(Find([0.8f, 0.1f, 0.1f, 0.9f, 0.1f], new MomentOptions { MaxMoments = 1 }));
    }

    [Fact]
    public void Threshold_one_keeps_the_best_segment_and_zero_the_whole_video()
    {
        Assert.Equal(new Moment(2, 4, 0.5f), Assert.Single(Find([0.1f, 0.5f, 0.4f], new MomentOptions { RelativeThreshold = 1 })));
        Assert.Equal(new Moment(0, 6, 0.5f), Assert.Single(Find([0.1f, 0.5f, 0.4f], new MomentOptions { RelativeThreshold = 0 })));
        Assert.Equal(new Moment(0, 6, 0.3f), Assert.Single(Find([0.3f, 0.3f, 0.3f])));
        Assert.Empty(MomentFinder.Find([], [], [], new MomentOptions()));
    }

    [Fact]
    public void Gaps_and_unsorted_overlapping_segments_are_handled()
    {
        double[] starts = [4, 0, 1, 10];
        double[] ends = [6, 2, 3, 12];
        float[] scores = [0.9f, 0.9f, 0.9f, 0.9f];
        var moments = MomentFinder.Find(starts, ends, scores, new MomentOptions { MaxGapSeconds = 1.0 });
        Assert.Equal([new Moment(0, 6, 0.9f), new Moment(10, 12, 0.9f)], moments);
        Assert.Throws<VidSearchException>(() => new MomentOptions { RelativeThreshold = 1.5 }.Validate());
        Assert.Throws<VidSearchException>(() => new MomentOptions { MaxGapSeconds = double.NaN }.Validate());
    }

    [Theory]
    [InlineData(0, null, null, "--nprobe")]
    [InlineData(null, -1, null, "--ef")]
    [InlineData(null, null, 0, "--candidates")]
    public void Search_options_refuse_non_positive_index_settings_naming_the_option(int? nprobe, int? ef, int? candidates, string option)
    {
        var options = new SearchOptions { Vector = new VectorSearchOptions { Nprobe = nprobe, Ef = ef, RerankCandidates = candidates } };
        Assert.Contains(option, Assert.Throws<VidSearchException>(options.Validate).Message);
        new SearchOptions { Vector = new VectorSearchOptions { Nprobe = 1, Ef = 1, RerankCandidates = 1 } }.Validate();
    }

    [Fact]
    public void Query_validation_rejects_empty_long_and_over_context_queries()
    {
        Assert.Equal("a dog", QueryValidator.Validate("  a dog "));
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => QueryValidator.Validate("   ")).Kind);
        Assert.Throws<VidSearchException>(() => QueryValidator.Validate(null));
        var tooLong = Assert.Throws<VidSearchException>(() => QueryValidator.Validate(new string('a', 1001)));
        Assert.Contains("1001", tooLong.Message);
        Assert.Throws<VidSearchException>(() => QueryValidator.Validate("a\0b"));
        var tokens = Assert.Throws<VidSearchException>(() => QueryValidator.Validate("many words", _ => 80, 77));
        Assert.Contains("80 tokens", tokens.Message);
        Assert.Equal("ok", QueryValidator.Validate("ok", _ => 3));
    }
}

using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class FrameSubsamplingTests
{
    [Fact]
    public void Single_frame_picks_a_valid_frame_of_each_video_deterministically()
    {
        // Frame t of video b holds the value 10 b + t in every dimension; video 1 has only frames 0 and 1 valid.
        var values = arange(2 * 4, dtype: ScalarType.Float32).view(2, 4) + (tensor(new float[] { 0, 6 }).view(2, 1));
        var frames = values.unsqueeze(-1).expand(2, 4, 3).contiguous();
        var mask = tensor(new[] { true, true, true, true, true, true, false, false }, new long[] { 2, 4 });
        var seen = new HashSet<float>();
        for (int trial = 0; trial < 40; trial++)
        {
            var one = FrameSubsampling.SingleFrame(new VideoInputs(frames, mask));
            Assert.Equal(new long[] { 2, 1, 3 }, one.Frames.shape);
            Assert.True(one.Mask.all().item<bool>());
            var v = TensorAssert.Values(one.Frames);
            Assert.InRange(v[0], 0, 3);
            Assert.InRange(v[3], 10, 11);
            Assert.Equal(v[3], v[5]);
            seen.Add(v[3]);
        }

        Assert.Equal([10f, 11f], seen.Order());
        manual_seed(4);
        var a = TensorAssert.Values(FrameSubsampling.SingleFrame(new VideoInputs(frames, mask)).Frames);
        manual_seed(4);
        var b = TensorAssert.Values(FrameSubsampling.SingleFrame(new VideoInputs(frames, mask)).Frames);
        Assert.Equal(a, b);
    }
}

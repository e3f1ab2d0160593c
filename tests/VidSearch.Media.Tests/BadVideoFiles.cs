using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

/// <summary>Files that are not readable videos, written into a temporary folder for the probe's refusal tests.</summary>
internal sealed record BadVideoFiles(string Empty, string Truncated, string Random, string Text, string Image, string Audio)
{
    public static BadVideoFiles Write(TempDirectory temp)
    {
        var bytes = File.ReadAllBytes(RealClips.Msrvtt);
        var files = new BadVideoFiles(
            temp.File("empty.mp4"), temp.File("truncated.mp4"), temp.File("random.mp4"), temp.File("notes.txt"), temp.File("still.png"), temp.File("tone.wav"));
        File.WriteAllBytes(files.Empty, []);
        File.WriteAllBytes(files.Truncated, bytes[..(bytes.Length / 3)]);
        File.WriteAllBytes(files.Random, RandomBytes(50_000, 1));
        File.WriteAllText(files.Text, "this is not a video\n");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=32x32", "-frames:v", "1", files.Image);
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.5", files.Audio);
        return files;
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        var data = new byte[count];
        new System.Random(seed).NextBytes(data);
        return data;
    }
}

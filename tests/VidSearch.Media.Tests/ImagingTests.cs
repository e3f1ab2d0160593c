using System.Buffers.Binary;
using System.IO.Compression;
using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Shots;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

public class ImagingTests
{
    [Fact]
    public void Png_files_read_back_through_ffmpeg_pixel_for_pixel()
    {
        using var temp = new TempDirectory();
        var image = PreprocessingTests.Pattern(37, 23, seed: 3);
        string path = temp.File("pattern.png");
        PngWriter.Write(path, image);
        var back = ImageFile.Read(path);
        Assert.Equal((37, 23), (back.Width, back.Height));
        Assert.Equal(image.Pixels, back.Pixels);
    }

    [Fact]
    public void Png_chunks_have_valid_crcs_and_the_zlib_stream_unfilters_to_the_pixels()
    {
        var image = PreprocessingTests.Pattern(5, 4, seed: 1);
        var png = PngWriter.Encode(image);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int at = 8;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            types.Add(type);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(BitwiseCrc(png.AsSpan(at + 4, length + 4)), crc);
            if (type == "IDAT")
            {
                idat.Write(png, at + 8, length);
            }

            at += 12 + length;
        }

        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.Equal(4 * (1 + (5 * 3)), rows.Length);
        for (int y = 0; y < 4; y++)
        {
            var line = rows.AsSpan(y * 16, 16);
            Assert.Equal(1, line[0]); // Sub filter
            for (int x = 0; x < 15; x++)
            {
                byte left = x >= 3 ? image.Pixels[(y * 15) + x - 3] : (byte)0;
                Assert.Equal(image.Pixels[(y * 15) + x], (byte)(line[1 + x] + left));
            }
        }
    }

    [Fact]
    public void Jpeg_reads_to_rgb_and_bad_images_give_clear_errors()
    {
        using var temp = new TempDirectory();
        string jpeg = temp.File("photo.jpg");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=red:size=40x30", "-frames:v", "1", jpeg);
        var image = ImageFile.Read(jpeg);
        Assert.Equal((40, 30), (image.Width, image.Height));
        Assert.InRange(image.Pixels[0], 230, 255);
        Assert.InRange(image.Pixels[1], 0, 30);

        string broken = temp.File("broken.png");
        File.WriteAllBytes(broken, BadVideoFiles.RandomBytes(500, 2));
        var e = Assert.Throws<VidSearchException>(() => ImageFile.Read(broken));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Equal(broken, e.Subject);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ImageFile.Read(temp.File("none.png"))).Kind);
    }

    [Fact]
    public void Contact_sheet_tiles_thumbnails()
    {
        var frames = Enumerable.Range(0, 5).Select(i => PreprocessingTests.Pattern(64, 48, i)).ToList();
        var sheet = ContactSheet.Compose(frames, thumbnailWidth: 32, gap: 2);
        // 3 columns x 2 rows of 32x24 thumbnails with 2-pixel gaps.
        Assert.Equal((3 * 32 + 4 * 2, 2 * 24 + 3 * 2), (sheet.Width, sheet.Height));
        Assert.Equal(0, sheet.Pixels[0]);
    }

    [Fact]
    public void Shot_detector_finds_cuts_between_different_scenes()
    {
        using var temp = new TempDirectory();
        string path = RealClips.Generate(temp.Path, "cuts.mp4",
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
            "-f", "lavfi", "-i", "color=c=blue:size=160x120:rate=25:duration=2",
            "-f", "lavfi", "-i", "smptebars=size=160x120:rate=25:duration=2",
            "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p");
        var shots = new ShotDetector().Detect(path);
        Assert.Equal(3, shots.Count);
        Assert.Equal(2.0, shots[1].Start, 1);
        Assert.Equal(4.0, shots[2].Start, 1);
        Assert.Throws<VidSearchException>(() => new ShotDetector(1.5));
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}

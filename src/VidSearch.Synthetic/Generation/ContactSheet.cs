using System.IO.Compression;
using System.Text;
using VidSearch.Media.Encoding;
using VidSearch.Media.Imaging;
using VidSearch.Synthetic.Rendering;

namespace VidSearch.Synthetic.Generation;

/// <summary>
/// A picture of a few clips for people: one row per clip with frames sampled evenly over its length
/// (PNG), and a markdown file beside it listing each row's captions, events or choices.
/// </summary>
public static class ContactSheet
{
    private const int Gutter = 4;

    /// <summary>Writes &lt;folder&gt;/contact-sheet.png and &lt;folder&gt;/README.md; returns the PNG path.</summary>
    public static string Write(string folder, IReadOnlyList<DatasetItem> items, int framesPerRow = 8, string title = "Synthetic world: contact sheet", string? command = null)
    {
        if (items.Count == 0)
        {
            throw new ArgumentException("no clips to show", nameof(items));
        }

        Directory.CreateDirectory(folder);
        int tile = items[0].Clip.CanvasSize;
        int width = (framesPerRow * (tile + Gutter)) + Gutter;
        int height = (items.Count * (tile + Gutter)) + Gutter;
        var sheet = new byte[width * height * 3];
        Array.Fill(sheet, (byte)255);
        for (int r = 0; r < items.Count; r++)
        {
            var renderer = new FrameRenderer(items[r].Clip);
            for (int c = 0; c < framesPerRow; c++)
            {
                int frame = framesPerRow == 1 ? 0 : (int)Math.Round(c * (renderer.FrameCount - 1) / (double)(framesPerRow - 1));
                var pixels = renderer.Render(frame);
                int ox = Gutter + (c * (tile + Gutter)), oy = Gutter + (r * (tile + Gutter));
                for (int y = 0; y < tile; y++)
                {
                    pixels.AsSpan(y * tile * 3, tile * 3).CopyTo(sheet.AsSpan((((oy + y) * width) + ox) * 3));
                }
            }
        }

        string png = Path.Combine(folder, "contact-sheet.png");
        PngWriter.Write(png, sheet, width, height, CompressionLevel.SmallestSize);

        var md = new StringBuilder();
        md.Append("# ").Append(title).Append("\n\n");
        md.Append("![contact sheet](contact-sheet.png)\n\n");
        md.Append($"Each row is one clip; the {framesPerRow} frames are sampled evenly from its first to its last frame.\n\n");
        if (command is not null)
        {
            md.Append("Made by `").Append(command).Append("`.\n\n");
        }

        for (int r = 0; r < items.Count; r++)
        {
            var item = items[r];
            var clip = item.Clip;
            md.Append($"## Row {r + 1}: `{item.Row.Id}` ({item.Row.Split}, {clip.Duration:0.###} s, {clip.FrameCount} frames{(clip.Reversed ? ", reversed twin" : string.Empty)})\n\n");
            foreach (var e in clip.Events)
            {
                md.Append($"- event: {e.Kind.ToString()} of the {e.Subject.Size.ToString().ToLowerInvariant()} {e.Subject.Color.ToString().ToLowerInvariant()} {e.Subject.Shape.ToString().ToLowerInvariant()}, {e.Start:0.###}-{e.End:0.###} s\n");
            }

            if (item.Row.Label is not null)
            {
                md.Append($"- label: {item.Row.Label}\n");
            }

            foreach (string caption in item.Row.Captions ?? [])
            {
                md.Append($"- caption: \"{caption}\"\n");
            }

            foreach (var e in item.Row.Events ?? [])
            {
                md.Append($"- {e.Start:0.###}-{e.End:0.###} s {e.Label}: \"{e.Caption}\"\n");
            }

            if (item.Row.Choices is { } choices)
            {
                for (int k = 0; k < choices.Count; k++)
                {
                    md.Append($"- choice {k}{(k == item.Row.Answer ? " (answer)" : string.Empty)}: \"{choices[k]}\"\n");
                }
            }

            md.Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, "README.md"), md.ToString());
        return png;
    }
}

using VidSearch.Media.Preprocessing;

namespace VidSearch.Media.Imaging;

/// <summary>Tiles frames into one image (row by row, same-size thumbnails, black gaps), for a quick look at a sampling.</summary>
public static class ContactSheet
{
    public static RgbImage Compose(IReadOnlyList<RgbImage> frames, int thumbnailWidth = 240, int columns = 0, int gap = 4)
    {
        if (frames.Count == 0)
        {
            throw new ArgumentException("no frames", nameof(frames));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(thumbnailWidth, 8);
        if (columns <= 0)
        {
            columns = Math.Min(6, (int)Math.Ceiling(Math.Sqrt(frames.Count)));
        }

        columns = Math.Min(columns, frames.Count);
        int rows = (frames.Count + columns - 1) / columns;
        int thumbHeight = Math.Max(1, (int)Math.Round((double)thumbnailWidth * frames[0].Height / frames[0].Width));
        int width = (columns * thumbnailWidth) + ((columns + 1) * gap);
        int height = (rows * thumbHeight) + ((rows + 1) * gap);
        var sheet = new byte[width * height * 3];
        var resizer = new BicubicResizer();
        for (int i = 0; i < frames.Count; i++)
        {
            var thumb = frames[i].Width == thumbnailWidth && frames[i].Height == thumbHeight
                ? frames[i]
                : resizer.Resize(frames[i], thumbnailWidth, thumbHeight);
            int x = gap + ((i % columns) * (thumbnailWidth + gap));
            int y = gap + ((i / columns) * (thumbHeight + gap));
            for (int row = 0; row < thumbHeight; row++)
            {
                Buffer.BlockCopy(thumb.Pixels, row * thumb.Stride, sheet, (((y + row) * width) + x) * 3, thumb.Stride);
            }
        }

        return new RgbImage(sheet, width, height);
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VidSearch.Core;

namespace VidSearch.Index.TextChannels;

/// <summary>One subtitle cue: a time range (seconds) and its text without markup.</summary>
public sealed record SubtitleCue(double Start, double End, string Text);

/// <summary>Parses SubRip (.srt) and WebVTT (.vtt) subtitles into cues.</summary>
public static partial class SubtitleParser
{
    public static IReadOnlyList<SubtitleCue> ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "subtitle file not found");
        }

        string text = File.ReadAllText(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".vtt" => Parse(text, path, webVtt: true),
            ".srt" => Parse(text, path, webVtt: false),
            _ => throw new VidSearchException(ErrorKind.InvalidInput, path, "not a subtitle file (.srt or .vtt)"),
        };
    }

    /// <summary>Parses subtitle text; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<SubtitleCue> Parse(string text, string source, bool webVtt)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').TrimStart('\uFEFF').Split('\n');
        int i = 0;
        if (webVtt)
        {
            if (lines.Length == 0 || !lines[0].StartsWith("WEBVTT", StringComparison.Ordinal))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, source, "WebVTT file does not start with 'WEBVTT'");
            }

            i = 1;
        }

        var cues = new List<SubtitleCue>();
        while (i < lines.Length)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                i++;
                continue;
            }

            if (webVtt && (line.StartsWith("NOTE", StringComparison.Ordinal) || line.StartsWith("STYLE", StringComparison.Ordinal) || line.StartsWith("REGION", StringComparison.Ordinal)))
            {
                while (i < lines.Length && lines[i].Trim().Length > 0)
                {
                    i++;
                }

                continue;
            }

            if (!line.Contains("-->", StringComparison.Ordinal))
            {
                // A cue number (SRT) or identifier (VTT) precedes the timing line.
                i++;
                if (i >= lines.Length || !lines[i].Contains("-->", StringComparison.Ordinal))
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, source, $"line {i}: expected a timing line 'start --> end' after '{Truncate(line)}'");
                }

                line = lines[i].Trim();
            }

            var (start, end) = ParseTiming(line, source, i + 1);
            i++;
            var body = new StringBuilder();
            while (i < lines.Length && lines[i].Trim().Length > 0)
            {
                if (body.Length > 0)
                {
                    body.Append(' ');
                }

                body.Append(StripMarkup(lines[i].Trim()));
                i++;
            }

            string cueText = body.ToString().Trim();
            if (cueText.Length > 0)
            {
                cues.Add(new SubtitleCue(start, end, cueText));
            }
        }

        return cues;
    }

    private static (double Start, double End) ParseTiming(string line, string source, int lineNumber)
    {
        var parts = line.Split("-->", 2, StringSplitOptions.TrimEntries);
        string endToken = parts[1].Split(' ', 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (!TryParseTimestamp(parts[0], out double start) || !TryParseTimestamp(endToken, out double end))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"line {lineNumber}: malformed timing '{Truncate(line)}'");
        }

        if (end < start)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"line {lineNumber}: cue ends before it starts");
        }

        return (start, end);
    }

    /// <summary>Parses hh:mm:ss,mmm / hh:mm:ss.mmm / mm:ss.mmm.</summary>
    public static bool TryParseTimestamp(string token, out double seconds)
    {
        seconds = 0;
        var match = TimestampPattern().Match(token.Trim());
        if (!match.Success)
        {
            return false;
        }

        int hours = match.Groups[1].Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        int minutes = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        int secs = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        int millis = int.Parse(match.Groups[4].Value.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);
        if (minutes >= 60 || secs >= 60)
        {
            return false;
        }

        seconds = hours * 3600 + minutes * 60 + secs + millis / 1000.0;
        return true;
    }

    private static string StripMarkup(string line) => Whitespace().Replace(AssTag().Replace(HtmlTag().Replace(line, ""), ""), " ")
        .Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">").Replace("&nbsp;", " ");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    [GeneratedRegex(@"^(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"\{\\[^}]*\}")]
    private static partial Regex AssTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

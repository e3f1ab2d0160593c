using System.Globalization;
using VidSearch.Index.Search;

namespace VidSearch.Server.Api;

/// <summary>Reads query-string parameters with the API's own errors (invalid_argument), not the framework's.</summary>
internal static class RequestParsing
{
    public static int Int(HttpRequest request, string name, int fallback, int min, int max)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw ApiException.InvalidArgument($"{name}: must be an integer from {min} to {max}, got '{Clip(text)}'");
        }

        return value;
    }

    public static double Double(HttpRequest request, string name, double fallback, double min, double max)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < min || value > max)
        {
            throw ApiException.InvalidArgument($"{name}: must be a number from {min} to {max}, got '{Clip(text)}'");
        }

        return value;
    }

    /// <summary>k, moments and textWeight as the library's search options.</summary>
    public static SearchOptions SearchOptions(HttpRequest request, int maxResults) => new()
    {
        K = Int(request, "k", Math.Min(10, maxResults), 1, maxResults),
        Moments = new MomentOptions { MaxMoments = Int(request, "moments", 3, 1, 20) },
        Fusion = new TextFusionOptions { TextWeight = Double(request, "textWeight", 0, 0, 10) },
    };

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

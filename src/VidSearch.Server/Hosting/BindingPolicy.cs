using System.Net;
using VidSearch.Core;

namespace VidSearch.Server.Hosting;

/// <summary>Which listen URLs stay on this machine: only loopback addresses and "localhost" do.</summary>
public static class BindingPolicy
{
    public static IReadOnlyList<Uri> Parse(string urls)
    {
        var result = new List<Uri>();
        foreach (string part in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards are not valid URI hosts; map them to an address that says what they mean.
            string normalised = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw VidSearchException.Argument("--urls", $"'{part}' is not an http:// or https:// URL such as http://127.0.0.1:8080");
            }

            result.Add(uri);
        }

        if (result.Count == 0)
        {
            throw VidSearchException.Argument("--urls", "is empty; give e.g. http://127.0.0.1:8080");
        }

        return result;
    }

    public static bool IsLoopback(Uri url)
        => url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>True when every URL is loopback; false when any exposes the server to other machines.</summary>
    public static bool LoopbackOnly(string urls) => Parse(urls).All(IsLoopback);
}

using VidSearch.Core;

namespace VidSearch.Server.Hosting;

/// <summary>How `vidsearch serve` runs: where it listens, its limits, and how keys are enforced.</summary>
public sealed record ServerOptions
{
    /// <summary>Kestrel URLs, ';'-separated (e.g. "http://127.0.0.1:8080"); port 0 picks a free port.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Require an API key on every endpoint but health even on loopback (keys are always required elsewhere).</summary>
    public bool RequireKeys { get; init; }

    /// <summary>Largest image upload accepted (bytes).</summary>
    public long MaxUploadBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Longest text query accepted (characters).</summary>
    public int MaxQueryCharacters { get; init; } = 500;

    /// <summary>Largest k a request may ask for.</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary>Requests a client (an API key, else an address) may make per minute; 0 turns rate limiting off.</summary>
    public int RateLimitPerMinute { get; init; } = 600;

    /// <summary>Requests a client may make at once in a burst before the per-minute rate applies.</summary>
    public int RateLimitBurst { get; init; } = 60;

    /// <summary>How long a signed media link (thumbnail, stream) in a search result stays valid.</summary>
    public TimeSpan MediaLinkLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Write request logs to the console.</summary>
    public bool LogRequests { get; init; }

    public ServerOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Urls))
        {
            throw VidSearchException.Argument("--urls", "is empty; give e.g. http://127.0.0.1:8080");
        }

        if (MaxUploadBytes is < 1024 or > 1L << 30)
        {
            throw VidSearchException.Argument("--max-upload", $"must be between 1 KiB and 1 GiB, got {MaxUploadBytes} bytes");
        }

        if (MaxQueryCharacters is < 1 or > Index.Search.QueryValidator.MaxCharacters)
        {
            throw VidSearchException.Argument("--max-query", $"must be between 1 and {Index.Search.QueryValidator.MaxCharacters}, got {MaxQueryCharacters}");
        }

        if (MaxResults is < 1 or > Index.Search.SearchOptions.MaxK)
        {
            throw VidSearchException.Argument("max results", $"must be between 1 and {Index.Search.SearchOptions.MaxK}, got {MaxResults}");
        }

        if (RateLimitPerMinute < 0 || RateLimitBurst < 1)
        {
            throw VidSearchException.Argument("--rate-limit", $"must be >= 0 per minute with a burst >= 1, got {RateLimitPerMinute}/{RateLimitBurst}");
        }

        return this;
    }
}

using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using VidSearch.Server.Api;
using VidSearch.Server.Hosting;

namespace VidSearch.Server.Security;

/// <summary>
/// Per-client token buckets (ASP.NET Core's rate limiter): a client is its API key, or its address when it sent
/// none. Health is exempt. A refused request gets 429 rate_limited with Retry-After.
/// </summary>
public static class RateLimiting
{
    public static void Configure(RateLimiterOptions limiter, ServerOptions options)
    {
        var (period, tokens) = Replenishment(options.RateLimitPerMinute);
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (options.RateLimitPerMinute == 0 || context.Request.Path.Equals("/api/health", StringComparison.OrdinalIgnoreCase))
            {
                return RateLimitPartition.GetNoLimiter("exempt");
            }

            string client = context.Items[ApiKeyAuthentication.KeyIdItem] is string key
                ? "key:" + key
                : "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None);
            return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.RateLimitBurst,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            int retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : (int)Math.Ceiling(period.TotalSeconds);
            await ErrorHandling.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                $"too many requests; at most {options.RateLimitPerMinute} a minute (bursts of {options.RateLimitBurst}); retry in {retry} s",
                ("Retry-After", retry.ToString(CultureInfo.InvariantCulture)));
        };
    }

    /// <summary>Per minute -> (period, tokens per period): whole tokens every second, or one token every 60/n seconds.</summary>
    public static (TimeSpan Period, int Tokens) Replenishment(int perMinute)
        => perMinute >= 60 ? (TimeSpan.FromSeconds(1), perMinute / 60) : (TimeSpan.FromSeconds(60.0 / Math.Max(1, perMinute)), 1);
}

using System.Diagnostics;
using VidSearch.Core;

namespace VidSearch.Server.Load;

/// <summary>A bounded load run: how many requests, by how many clients at once, and for how long at most.</summary>
public sealed record LoadOptions
{
    public int Requests { get; init; } = 2000;

    public int Concurrency { get; init; } = 16;

    /// <summary>The run stops here even when requests are left (they count as not sent).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(5);

    public LoadOptions Validate()
    {
        if (Requests is < 1 or > 1_000_000)
        {
            throw VidSearchException.Argument("--requests", $"must be between 1 and 1000000, got {Requests}");
        }

        if (Concurrency is < 1 or > 1024)
        {
            throw VidSearchException.Argument("--concurrency", $"must be between 1 and 1024, got {Concurrency}");
        }

        if (TimeLimit <= TimeSpan.Zero)
        {
            throw VidSearchException.Argument("--time-limit", "must be positive");
        }

        return this;
    }
}

/// <summary>What a load run measured; latencies in milliseconds.</summary>
public sealed record LoadReport(int Sent, int Errors, int NotSent, int Concurrency, TimeSpan Elapsed, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs,
    IReadOnlyDictionary<int, int> StatusCounts)
{
    public string Summary() => $"{Sent} requests, {Concurrency} clients, {Elapsed.TotalSeconds:0.00} s: {RequestsPerSecond:0.0} req/s, "
        + $"p50 {P50Ms:0.0} ms, p99 {P99Ms:0.0} ms, max {MaxMs:0.0} ms, {Errors} errors" + (NotSent > 0 ? $", {NotSent} not sent (time limit)" : "");
}

/// <summary>
/// Sends a bounded number of GET requests with a fixed number of concurrent clients and measures throughput and
/// latency. It only talks to loopback addresses: it is a tool to measure this machine's server, never a remote one.
/// </summary>
public static class LoadGenerator
{
    public static async Task<LoadReport> RunAsync(HttpClient client, IReadOnlyList<string> paths, LoadOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (paths.Count == 0)
        {
            throw VidSearchException.Argument("paths", "give at least one request path");
        }

        if (client.BaseAddress is not { } address || !Hosting.BindingPolicy.IsLoopback(address))
        {
            throw VidSearchException.Argument("address", $"'{client.BaseAddress}' is not a loopback address; the load generator only targets this machine");
        }

        var latencies = new double[options.Requests];
        var statuses = new int[options.Requests];
        int next = -1;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.TimeLimit);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(options.Concurrency, options.Requests)).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < options.Requests && !deadline.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(paths[index % paths.Count], HttpCompletionOption.ResponseContentRead, deadline.Token);
                    statuses[index] = (int)response.StatusCode;
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    statuses[index] = -1;
                    break;
                }
                catch (HttpRequestException)
                {
                    statuses[index] = 0;
                }

                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();

        var sent = Enumerable.Range(0, options.Requests).Where(i => statuses[i] > 0 || (statuses[i] == 0 && latencies[i] > 0)).ToArray();
        var sorted = sent.Select(i => latencies[i]).Order().ToArray();
        int errors = sent.Count(i => statuses[i] is < 200 or >= 400);
        var counts = sent.GroupBy(i => statuses[i]).ToDictionary(g => g.Key, g => g.Count());
        return new LoadReport(sent.Length, errors, options.Requests - sent.Length, options.Concurrency, clock.Elapsed,
            sent.Length / Math.Max(1e-9, clock.Elapsed.TotalSeconds), Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? 0 : sorted[^1], counts);
    }

    /// <summary>Nearest-rank percentile of sorted values (0 when empty).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>
/// Downloads one file onto a ".partial" file, resuming with HTTP Range requests after a cut connection.
/// The caller verifies the result and renames it; nothing here ever writes the final name.
/// </summary>
internal sealed class ModelDownloader(HttpClient http, int maxAttempts)
{
    public static HttpClient CreateClient(TimeSpan connectTimeout) => new(new SocketsHttpHandler
    {
        ConnectTimeout = connectTimeout,
        AllowAutoRedirect = true,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Fetches <paramref name="url"/> into <paramref name="partialPath"/>, continuing what is already there. Returns the file length.</summary>
    public async Task<long> DownloadAsync(Uri url, string partialPath, long? expectedSize, FileHashing.ByteCounter counter, CancellationToken cancellationToken)
    {
        long baseDone = counter.Done;
        for (int attempt = 1; ; attempt++)
        {
            long existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
            if (expectedSize is long size && existing > size)
            {
                File.Delete(partialPath); // longer than the real file: not a prefix of it
                existing = 0;
            }

            counter.Set(baseDone + existing);
            if (expectedSize is long complete && existing == complete)
            {
                return existing;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (existing > 0)
            {
                request.Headers.Range = new RangeHeaderValue(existing, null);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (IsUnreachable(e, cancellationToken))
            {
                throw new UnreachableException(url, e);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0)
                {
                    return existing; // the server has nothing past what we hold: the file is complete
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    throw new VidSearchException(ErrorKind.NotFound, url.ToString(), "the server has no such file (HTTP 404)");
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new VidSearchException(ErrorKind.External, url.ToString(), $"the server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                bool resumed = response.StatusCode == HttpStatusCode.PartialContent && existing > 0
                    && response.Content.Headers.ContentRange?.From == existing;
                long start = resumed ? existing : 0;
                long? total = response.Content.Headers.ContentRange?.Length
                    ?? (response.Content.Headers.ContentLength is long n ? start + n : null);
                if (expectedSize is long want && total is long got && got != want)
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, url.ToString(), $"the server offers {got} bytes but the catalog expects {want}");
                }

                counter.Set(baseDone + start);
                try
                {
                    await using (var file = new FileStream(partialPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
                    {
                        var buffer = new byte[1 << 16];
                        int read;
                        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                        {
                            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                            counter.Report(read);
                        }
                    }

                    long length = new FileInfo(partialPath).Length;
                    if (total is long expected && length < expected)
                    {
                        throw new IOException($"connection closed after {length} of {expected} bytes");
                    }

                    return length;
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    if (attempt >= maxAttempts)
                    {
                        throw new VidSearchException(ErrorKind.Network, url.ToString(),
                            $"the download broke off {attempt} times ({e.Message}); run the command again to resume from {new FileInfo(partialPath).Length} bytes", e);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                }
            }
        }
    }

    private static bool IsUnreachable(Exception e, CancellationToken cancellationToken)
        => e is HttpRequestException { InnerException: SocketException or IOException } or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
            || (e is TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The host could not be reached at all (no connection was made).</summary>
    internal sealed class UnreachableException(Uri url, Exception inner) : Exception($"{url.Host}:{url.Port} unreachable ({inner.GetBaseException().Message})", inner)
    {
        public Uri Url { get; } = url;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VidSearch.Models.Tests.Store;

/// <summary>
/// A minimal HTTP/1.1 file server on 127.0.0.1 (raw TcpListener): GET with optional "Range: bytes=N-",
/// one request per connection. <see cref="CutAfter"/> lets a test close the connection in the middle of a body.
/// </summary>
internal sealed class TestHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();

    public TestHttpServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>(path, 0-based request number for that path) -> body bytes to send before closing the connection, or null for all.</summary>
    public Func<string, int, int?> CutAfter { get; set; } = (_, _) => null;

    /// <summary>"PATH RANGE" of each request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>A port nothing listens on (bound and released again).</summary>
    public static int UnusedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                string head = await ReadHead(stream);
                string[] lines = head.Split("\r\n");
                string path = lines[0].Split(' ')[1];
                string? range = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))?[6..].Trim();
                Requests.Enqueue($"{path} {range}".Trim());
                int hit = _hits.AddOrUpdate(path, 0, (_, n) => n + 1);

                if (!Files.TryGetValue(path, out var body))
                {
                    await Write(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }

                long from = 0;
                string status = "200 OK";
                string extra = string.Empty;
                if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
                {
                    from = long.Parse(range[6..].TrimEnd('-'));
                    if (from >= body.Length)
                    {
                        await Write(stream, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{body.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }

                    status = "206 Partial Content";
                    extra = $"Content-Range: bytes {from}-{body.Length - 1}/{body.Length}\r\n";
                }

                await Write(stream, $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length - from}\r\n{extra}Connection: close\r\n\r\n");
                int count = (int)(body.Length - from);
                if (CutAfter(path, hit) is int cut && cut < count)
                {
                    await stream.WriteAsync(body.AsMemory((int)from, cut));
                    await stream.FlushAsync();
                    client.Client.LingerState = new LingerOption(true, 0); // reset: the body ends early
                    return;
                }

                await stream.WriteAsync(body.AsMemory((int)from, count));
                await stream.FlushAsync();
            }
            catch (IOException)
            {
            }
            catch (SocketException)
            {
            }
        }
    }

    private static async Task<string> ReadHead(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            int n = bytes.Count;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n')
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    private static Task Write(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();
}

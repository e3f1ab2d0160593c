using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VidSearch.Server.Tests;

/// <summary>
/// A minimal W3C WebDriver client over HttpClient: starts chromedriver on a free loopback port, opens a headless
/// Chromium session, and offers the few commands the browser test needs.
/// </summary>
public sealed class WebDriverClient : IAsyncDisposable
{
    private const string ElementKey = "element-6066-11e4-a52e-4f735466cecf";
    private readonly Process _driver;
    private readonly HttpClient _http;
    private readonly string _session;
    private readonly string _profile;

    private WebDriverClient(Process driver, HttpClient http, string session, string profile)
    {
        _driver = driver;
        _http = http;
        _session = session;
        _profile = profile;
    }

    /// <summary>The executables, or a sentence saying which one is missing.</summary>
    public static (string? Chromium, string? Driver, string? Missing) Locate()
    {
        string? chromium = Which("chromium") ?? Which("chromium-browser");
        string? driver = Which("chromedriver");
        string? missing = chromium is null || driver is null
            ? $"{(chromium is null ? "chromium" : "")}{(chromium is null && driver is null ? " and " : "")}{(driver is null ? "chromedriver" : "")} not found on PATH; run scripts/setup.sh (Debian packages chromium, chromium-driver)"
            : null;
        return (chromium, driver, missing);
    }

    public static async Task<WebDriverClient> StartAsync(string chromium, string chromedriver, int width = 1280, int height = 900)
    {
        int port = FreePort();
        var driver = Process.Start(new ProcessStartInfo(chromedriver, [$"--port={port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("chromedriver did not start");
        driver.OutputDataReceived += (_, _) => { };
        driver.ErrorDataReceived += (_, _) => { };
        driver.BeginOutputReadLine();
        driver.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
        string profile = Path.Combine(Path.GetTempPath(), $"vidsearch-chromium-{Guid.NewGuid():N}");
        try
        {
            var ready = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    var status = await http.GetFromJsonAsync<JsonObject>("status");
                    if (status?["value"]?["ready"]?.GetValue<bool>() == true)
                    {
                        break;
                    }
                }
                catch (HttpRequestException) when (ready.Elapsed < TimeSpan.FromSeconds(20))
                {
                }

                if (ready.Elapsed > TimeSpan.FromSeconds(20))
                {
                    throw new TimeoutException("chromedriver did not become ready in 20 s");
                }

                await Task.Delay(100);
            }

            var capabilities = new JsonObject
            {
                ["capabilities"] = new JsonObject
                {
                    ["alwaysMatch"] = new JsonObject
                    {
                        ["browserName"] = "chrome",
                        ["goog:chromeOptions"] = new JsonObject
                        {
                            ["binary"] = chromium,
                            ["args"] = new JsonArray("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                "--autoplay-policy=no-user-gesture-required", $"--window-size={width},{height}", $"--user-data-dir={profile}"),
                        },
                    },
                },
            };
            var created = await Send(http, HttpMethod.Post, "session", capabilities);
            return new WebDriverClient(driver, http, created.GetProperty("sessionId").GetString()!, profile);
        }
        catch
        {
            http.Dispose();
            Kill(driver);
            throw;
        }
    }

    public Task Navigate(string url) => Command(HttpMethod.Post, "url", new JsonObject { ["url"] = url });

    public async Task<string> Find(string css)
    {
        var found = await Command(HttpMethod.Post, "element", new JsonObject { ["using"] = "css selector", ["value"] = css });
        return found.ValueKind == JsonValueKind.Object && found.TryGetProperty(ElementKey, out var id)
            ? id.GetString()!
            : throw new InvalidOperationException($"WebDriver: no element for '{css}': {found}");
    }

    public Task Type(string element, string text) => Command(HttpMethod.Post, $"element/{element}/value", new JsonObject { ["text"] = text });

    public Task Click(string element) => Command(HttpMethod.Post, $"element/{element}/click", new JsonObject());

    /// <summary>Runs a synchronous script (its `return` value comes back as JSON).</summary>
    public Task<JsonElement> Script(string script) => Command(HttpMethod.Post, "execute/sync", new JsonObject { ["script"] = script, ["args"] = new JsonArray() });

    /// <summary>Polls <paramref name="script"/> until it returns true; on timeout, throws with <paramref name="describe"/>'s value.</summary>
    public async Task WaitUntil(string script, TimeSpan timeout, string describe)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if ((await Script(script)).ValueKind == JsonValueKind.True)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for: {script}; page state: {(await Script(describe)).ToString()}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<byte[]> Screenshot() => Convert.FromBase64String((await Command(HttpMethod.Get, "screenshot", null)).GetString()!);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"session/{_session}");
            using var _ = await _http.SendAsync(request);
        }
        catch (HttpRequestException)
        {
        }

        _http.Dispose();
        Kill(_driver);
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<JsonElement> Command(HttpMethod method, string path, JsonObject? body) => Send(_http, method, $"session/{_session}/{path}", body);

    private static async Task<JsonElement> Send(HttpClient http, HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // A string body has a Content-Length; chromedriver does not read chunked requests.
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"WebDriver {method} {path} failed ({(int)response.StatusCode}): {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("value").Clone();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string? Which(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

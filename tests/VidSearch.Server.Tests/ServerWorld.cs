using System.CommandLine;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using VidSearch.Cli.Commands;
using VidSearch.Cli.Infrastructure;
using VidSearch.Media.Imaging;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.Models.Loading;
using VidSearch.Models.Tokenization;
using VidSearch.Server.Collections;
using VidSearch.Server.Hosting;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.TestSupport;

[assembly: AssemblyFixture(typeof(VidSearch.Server.Tests.ServerWorld))]

namespace VidSearch.Server.Tests;

/// <summary>
/// Made once for the whole test run: a tiny random CLIP in a model folder, four synthetic clips indexed into a
/// collection by the real `vidsearch index` command, a small PNG, and one shared query embedder.
/// </summary>
public sealed class ServerWorld : IDisposable
{
    private readonly TempDirectory _root = new("vidsearch-server");
    private readonly OpenedModel _model;

    public ServerWorld()
    {
        Model = Path.Combine(_root.Path, "model");
        using (var model = new ClipModel(ClipConfig.Tiny, ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary), "tiny"))
        {
            model.eval();
            CheckpointWriter.Save(model, Model);
        }

        File.Copy(SharedData.ClipVocabulary, Path.Combine(Model, "bpe_simple_vocab_16e6.txt.gz"));
        string world = Path.Combine(_root.Path, "world");
        var options = new WorldOptions { Seed = 3, Clips = 4, CanvasSize = 64, Fps = 8, ClipMinSeconds = 3, ClipMaxSeconds = 4, ValFraction = 0, TestFraction = 0.5, CaptionsPerClip = 1 }.Validate();
        new DatasetWriter(options).WriteAsync(world, [SyntheticTask.Retrieval]).GetAwaiter().GetResult();
        Videos = Directory.GetFiles(Path.Combine(world, "retrieval"), "*.mp4", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Collection = Path.Combine(_root.Path, "collections", "world.db");
        var (code, output) = RunCli("index", Path.Combine(world, "retrieval"), "--collection", Collection, "--model", Model, "--strategy", "fps:2", "--jobs", "1");
        if (code != 0)
        {
            throw new InvalidOperationException("indexing the test collection failed: " + output);
        }

        Image = Path.Combine(_root.Path, "pattern.png");
        var pixels = new byte[48 * 40 * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 13 % 256);
        }

        PngWriter.Write(Image, new RgbImage(pixels, 48, 40));
        _model = ModelOpener.Open(Model);
        Embedder = new NonOwningEmbedder(new ModelQueryEmbedder(_model));
    }

    public string Model { get; }

    /// <summary>The indexed collection's .db path (do not add keys to it: copy it with <see cref="CopyCollection"/>).</summary>
    public string Collection { get; }

    public string[] Videos { get; }

    public string Image { get; }

    public IQueryEmbedder Embedder { get; }

    public string Temp(string name) => Path.Combine(_root.Path, name);

    /// <summary>A copy of the collection in a folder of its own (for key files and other per-test state).</summary>
    public string CopyCollection()
    {
        string folder = Path.Combine(_root.Path, "copies", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string copy = Path.Combine(folder, "world.db");
        File.Copy(Collection, copy);
        return copy;
    }

    /// <summary>A started in-memory (TestServer) application over <paramref name="collection"/> (default: the shared one).</summary>
    public async Task<TestApp> StartAsync(ServerOptions? options = null, string? collection = null, IQueryEmbedder? embedder = null)
    {
        var service = new CollectionService(collection ?? Collection, embedder ?? Embedder);
        var app = VidSearchServer.Build(options ?? new ServerOptions(), service, builder => builder.WebHost.UseTestServer());
        await app.StartAsync();
        return new TestApp(app, service);
    }

    /// <summary>Runs a vidsearch command in process; returns its exit code and what it printed (stdout + stderr).</summary>
    public static (int Code, string Output) RunCli(params string[] args)
    {
        var root = CommandCatalog.CreateRoot();
        lock (ConsoleLock)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            using var output = new StringWriter();
            Console.SetOut(output);
            Console.SetError(output);
            try
            {
                int code = root.Parse(args).RunAsync().GetAwaiter().GetResult();
                return (code, output.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    private static readonly object ConsoleLock = new();

    public void Dispose()
    {
        _model.Dispose();
        _root.Dispose();
    }
}

/// <summary>A started test application and its client; disposing stops both and closes the collection.</summary>
public sealed class TestApp(WebApplication app, CollectionService collection) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public CollectionService Collection { get; } = collection;

    public HttpClient Client { get; } = app.GetTestClient();

    public TestServer Server => (TestServer)App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Collection.Dispose();
    }
}

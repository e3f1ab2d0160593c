using System.Text.RegularExpressions;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>Options of <see cref="ModelStore.PullAsync"/>.</summary>
public sealed record PullOptions
{
    /// <summary>Base URL with the Hugging Face layout ({base}/{repo}/resolve/{revision}/{path}); default VIDSEARCH_MODEL_MIRROR, else https://huggingface.co.</summary>
    public string? Mirror { get; init; }

    /// <summary>How long to wait for a connection before declaring the network unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections tried per file before giving up (each resumes where the last broke off).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The catalog to pull from (default: the embedded one).</summary>
    public ModelCatalog? Catalog { get; init; }
}

/// <summary>A folder of the store, with its manifest or the reason it cannot be read.</summary>
public sealed record InstalledModel(string Name, string Path, ModelManifest? Manifest, string? Problem);

/// <summary>What <c>models info</c> shows.</summary>
public sealed record ModelInfo(ModelManifest Manifest, string Path, IReadOnlyDictionary<string, string>? Config, IReadOnlyList<string> Problems);

/// <summary>
/// The local model store: $VIDSEARCH_HOME/models (default ~/.vidsearch/models), one folder per model with a
/// model.json manifest. Models arrive by <see cref="PullAsync"/> (download with resume and verification) or
/// <see cref="Import"/> (copy or link a local folder). Both build the model in a staging folder inside the root
/// (".staging", never listed) and rename it into place only when every file has been verified, so a model folder
/// is either complete or absent.
/// </summary>
public sealed partial class ModelStore
{
    public const string DefaultMirror = "https://huggingface.co";
    private const string StagingFolder = ".staging";

    public ModelStore(string root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            throw VidSearchException.Argument("model store", "root folder is empty");
        }

        Root = System.IO.Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The store at $VIDSEARCH_HOME/models, or ~/.vidsearch/models.</summary>
    public static ModelStore Default() => new(DefaultRoot());

    public static string DefaultRoot()
    {
        string? home = Environment.GetEnvironmentVariable("VIDSEARCH_HOME");
        return string.IsNullOrEmpty(home)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vidsearch", "models")
            : System.IO.Path.Combine(home, "models");
    }

    /// <summary>Folder of an installed model (which may not exist).</summary>
    public string PathOf(string name) => System.IO.Path.Combine(Root, ValidateName(name));

    /// <summary>Where <c>pull</c> assembles a model; files placed here by hand are verified and used by the next pull.</summary>
    public string StagingPathOf(string name) => System.IO.Path.Combine(Root, StagingFolder, ValidateName(name));

    public bool Contains(string name) => File.Exists(System.IO.Path.Combine(PathOf(name), ModelManifest.FileName));

    /// <summary>The installed models, sorted by name; folders whose manifest is missing or broken are listed with the problem.</summary>
    public IReadOnlyList<InstalledModel> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var models = new List<InstalledModel>();
        foreach (string dir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (name.StartsWith('.'))
            {
                continue;
            }

            string manifestPath = System.IO.Path.Combine(dir, ModelManifest.FileName);
            if (!File.Exists(manifestPath))
            {
                models.Add(new InstalledModel(name, dir, null, "no model.json (not installed by vidsearch; use `models import`)"));
                continue;
            }

            try
            {
                models.Add(new InstalledModel(name, dir, ModelManifest.Read(manifestPath), null));
            }
            catch (VidSearchException e)
            {
                models.Add(new InstalledModel(name, dir, null, e.Cause));
            }
        }

        return models;
    }

    /// <summary>The manifest of an installed model, its config summary, and files that are missing or changed in size.</summary>
    public ModelInfo Info(string name)
    {
        string dir = PathOf(name);
        if (!Contains(name))
        {
            throw NotInstalled(name);
        }

        var manifest = ModelManifest.Read(System.IO.Path.Combine(dir, ModelManifest.FileName));
        var problems = new List<string>();
        foreach (var file in manifest.Files)
        {
            var info = new FileInfo(System.IO.Path.Combine(dir, file.Path));
            if (info.LinkTarget is not null)
            {
                // Imported with --link: check the file linked to, not the link itself.
                info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            }

            if (!info.Exists)
            {
                problems.Add($"{file.Path} is missing");
            }
            else if (info.Length != file.Size)
            {
                problems.Add($"{file.Path} has {info.Length} bytes, the manifest says {file.Size}");
            }
        }

        return new ModelInfo(manifest, dir, ModelFolderInspector.ConfigSummary(dir), problems);
    }

    /// <summary>A model name in the store, or a folder path, as a folder path.</summary>
    public string ResolvePath(string nameOrDir)
    {
        if (string.IsNullOrWhiteSpace(nameOrDir))
        {
            throw VidSearchException.Argument("model", "no model name or folder given");
        }

        if (Directory.Exists(nameOrDir))
        {
            return System.IO.Path.GetFullPath(nameOrDir);
        }

        if (NamePattern().IsMatch(nameOrDir) && Contains(nameOrDir))
        {
            return PathOf(nameOrDir);
        }

        throw NotInstalled(nameOrDir);
    }

    /// <summary>Synchronous <see cref="PullAsync"/>.</summary>
    public ModelManifest Pull(string name, PullOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
        => PullAsync(name, options, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Downloads a catalog model into the store: each file onto a .partial file in the staging folder (resumed
    /// with Range requests), verified by size and SHA-256 where the catalog knows them and by safetensors structure,
    /// renamed to its name; when all verify, the manifest is written and the folder renamed into the store.
    /// An installed model is returned as is.
    /// </summary>
    public async Task<ModelManifest> PullAsync(string name, PullOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PullOptions();
        var catalog = options.Catalog ?? ModelCatalog.Load();
        var entry = catalog.Find(name) ?? throw new VidSearchException(ErrorKind.NotFound, name,
            $"not a known model; known: {string.Join(", ", catalog.Entries.Select(e => e.Name))} (or add your own with `models import`)");
        if (Contains(entry.Name))
        {
            return ModelManifest.Read(System.IO.Path.Combine(PathOf(entry.Name), ModelManifest.FileName));
        }

        string baseUrl = options.Mirror ?? Environment.GetEnvironmentVariable("VIDSEARCH_MODEL_MIRROR") ?? DefaultMirror;
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("https" or "http"))
        {
            throw VidSearchException.Argument("mirror", $"\"{baseUrl}\" is not an http(s) URL");
        }

        string staging = StagingPathOf(entry.Name);
        Directory.CreateDirectory(staging);
        using var lockFile = AcquireLock(staging, entry.Name);
        using var http = ModelDownloader.CreateClient(options.ConnectTimeout);
        var downloader = new ModelDownloader(http, Math.Max(1, options.MaxAttempts));
        string task = $"pull {entry.Name}";
        var counter = new FileHashing.ByteCounter(progress, task, entry.TotalSize);
        var files = new List<ManifestFile>();

        foreach (var file in entry.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string final = System.IO.Path.Combine(staging, file.Path);
            string partial = final + ".partial";
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(final)!);

            if (File.Exists(final))
            {
                // Left by an earlier pull or placed by hand: keep it if it verifies.
                string? hash = TryVerify(final, file, out _);
                if (hash is not null)
                {
                    files.Add(new ManifestFile(file.Path, new FileInfo(final).Length, hash));
                    counter.Report(new FileInfo(final).Length);
                    continue;
                }

                File.Delete(final);
            }

            var url = entry.UrlOf(file, baseUrl);
            try
            {
                await downloader.DownloadAsync(url, partial, file.Size, counter, cancellationToken);
            }
            catch (ModelDownloader.UnreachableException e)
            {
                throw new VidSearchException(ErrorKind.Network, url.Host,
                    $"cannot reach {e.Url.GetLeftPart(UriPartial.Authority)} ({e.InnerException?.GetBaseException().Message}). " +
                    $"To install by hand, download {string.Join(", ", entry.Files.Select(f => $"{entry.UrlOf(f, baseUrl)} as {f.Path}"))} " +
                    $"into the folder {staging} and run `vidsearch models pull {entry.Name}` again (it verifies them offline), " +
                    $"or put them in any folder and run `vidsearch models import <folder> --name {entry.Name}`", e);
            }

            string? verified = TryVerify(partial, file, out string? problem);
            if (verified is null)
            {
                File.Delete(partial);
                throw new VidSearchException(ErrorKind.InvalidInput, $"{entry.Name}/{file.Path}", $"{problem}; the download was discarded and nothing was installed");
            }

            File.Move(partial, final, overwrite: true);
            files.Add(new ManifestFile(file.Path, new FileInfo(final).Length, verified));
        }

        var manifest = new ModelManifest(entry.Name, $"{entry.Repo}@{entry.Revision}", entry.Format, files,
            PulledAt: DateTimeOffset.UtcNow, Description: entry.Description);
        lockFile.Dispose();
        return Install(staging, manifest);
    }

    /// <summary>
    /// Adds a local model folder to the store, after recognising its format and checking its weights: copies the
    /// files (or, with <paramref name="link"/>, makes symbolic links to them) and records their SHA-256.
    /// </summary>
    public ModelManifest Import(string path, string? name = null, bool link = false, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string source = System.IO.Path.GetFullPath(path);
        var contents = ModelFolderInspector.Inspect(source);
        name ??= SanitizeName(System.IO.Path.GetFileName(source.TrimEnd(System.IO.Path.DirectorySeparatorChar)));
        ValidateName(name);
        if (Directory.Exists(PathOf(name)))
        {
            throw VidSearchException.Argument("--name", $"a model named \"{name}\" is already in the store ({PathOf(name)}); choose another name");
        }

        if (System.IO.Path.GetRelativePath(Root, source) is var rel && !rel.StartsWith("..", StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(rel))
        {
            throw VidSearchException.Argument("path", "the folder is inside the model store already");
        }

        string staging = System.IO.Path.Combine(Root, StagingFolder, $"import-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            long total = contents.Files.Sum(f => new FileInfo(System.IO.Path.Combine(source, f)).Length);
            var counter = new FileHashing.ByteCounter(progress, $"import {name}", total);
            var files = new List<ManifestFile>();
            foreach (string file in contents.Files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string from = System.IO.Path.Combine(source, file);
                string to = System.IO.Path.Combine(staging, file);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
                string hash;
                if (link)
                {
                    File.CreateSymbolicLink(to, from);
                    hash = FileHashing.Sha256(from, counter, cancellationToken);
                }
                else
                {
                    hash = CopyAndHash(from, to, counter, cancellationToken);
                }

                files.Add(new ManifestFile(file, new FileInfo(from).Length, hash));
            }

            var manifest = new ModelManifest(name, source, contents.Format, files, ImportedAt: DateTimeOffset.UtcNow, LinkedFrom: link ? source : null);
            return Install(staging, manifest);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    internal static string ValidateRelativePath(string path, string source)
    {
        if (string.IsNullOrWhiteSpace(path) || System.IO.Path.IsPathRooted(path) || path.Split('/', '\\').Any(p => p is ".." or "." or ""))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"\"{path}\" is not a plain relative file path");
        }

        return path;
    }

    private ModelManifest Install(string staging, ModelManifest manifest)
    {
        manifest.Write(System.IO.Path.Combine(staging, ModelManifest.FileName));
        string target = PathOf(manifest.Name);
        if (Directory.Exists(target))
        {
            throw VidSearchException.Argument("model", $"\"{manifest.Name}\" appeared in the store meanwhile ({target})");
        }

        Directory.Move(staging, target); // same file system: an atomic rename
        return manifest;
    }

    /// <summary>SHA-256 of a file that matches the catalog's size and hash (and is a sound safetensors file), else null with the reason.</summary>
    private static string? TryVerify(string path, CatalogFile file, out string? problem)
    {
        long length = new FileInfo(path).Length;
        if (file.Size is long size && length != size)
        {
            problem = $"size {length} bytes, expected {size}";
            return null;
        }

        string hash = FileHashing.Sha256(path);
        if (file.Sha256 is { } expected && !string.Equals(hash, expected, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"checksum mismatch: SHA-256 {hash}, expected {expected.ToLowerInvariant()}";
            return null;
        }

        if (file.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                SafetensorsHeader.ReadTensorNames(path);
            }
            catch (VidSearchException e)
            {
                problem = e.Cause;
                return null;
            }
        }

        problem = null;
        return hash;
    }

    private static string CopyAndHash(string from, string to, IProgress<long> progress, CancellationToken cancellationToken)
    {
        using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
            progress.Report(read);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static FileStream AcquireLock(string staging, string name)
    {
        try
        {
            return new FileStream(System.IO.Path.Combine(staging, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new VidSearchException(ErrorKind.InvalidArgument, name, "another pull of this model is running", e);
        }
    }

    private VidSearchException NotInstalled(string name)
    {
        var installed = List().Where(m => m.Manifest is not null).Select(m => m.Name).ToList();
        return new VidSearchException(ErrorKind.NotFound, name,
            $"not a folder and not a model in the store {Root} (installed: {(installed.Count == 0 ? "none" : string.Join(", ", installed))}); " +
            "get one with `vidsearch models pull NAME` or `vidsearch models import PATH`");
    }

    private static string ValidateName(string name)
        => NamePattern().IsMatch(name)
            ? name
            : throw VidSearchException.Argument("model name", $"\"{name}\" must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'");

    private static string SanitizeName(string folderName)
    {
        string s = Regex.Replace(folderName, "[^A-Za-z0-9._-]", "-").TrimStart('.');
        return s.Length == 0 ? "model" : s.Length > 100 ? s[..100] : s;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}

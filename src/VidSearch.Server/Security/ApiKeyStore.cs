using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Server.Security;

/// <summary>A stored API key: never the key itself, only its SHA-256.</summary>
public sealed record ApiKeyRecord(string Id, string Name, string Sha256, DateTimeOffset Created, DateTimeOffset? Revoked)
{
    public bool Active => Revoked is null;
}

/// <summary>A key just created: <see cref="Key"/> is shown once and not stored.</summary>
public sealed record CreatedApiKey(ApiKeyRecord Record, string Key);

/// <summary>
/// The API keys of one collection, in a JSON file beside its database (COLLECTION.db.keys, owner-only permissions).
/// A key is "vsk_" + id + "_" + 32 random bytes (base64url); the file holds its SHA-256, so a copy of the file
/// grants nothing. Writes are atomic (temporary file + rename).
/// </summary>
public sealed class ApiKeyStore
{
    private const string Prefix = "vsk_";
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public ApiKeyStore(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>The key file of the collection at <paramref name="collectionPath"/> (a .db file).</summary>
    public static ApiKeyStore ForCollection(string collectionPath) => new(collectionPath + ".keys");

    public IReadOnlyList<ApiKeyRecord> List()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<ApiKeyRecord>>(File.ReadAllText(Path), JsonOptions)
                ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, Path, $"API key file is corrupt ({e.Message}); delete it and create new keys", e);
        }
    }

    public CreatedApiKey Create(string name)
    {
        string trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 100 || trimmed.Any(char.IsControl))
        {
            throw VidSearchException.Argument("--name", "give a name of 1 to 100 printable characters (who or what uses the key)");
        }

        var keys = List().ToList();
        string id;
        do
        {
            id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        }
        while (keys.Any(k => k.Id == id));

        string key = Prefix + id + "_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord(id, trimmed, Hash(key), DateTimeOffset.UtcNow, null);
        keys.Add(record);
        Save(keys);
        return new CreatedApiKey(record, key);
    }

    /// <summary>Revokes the key with this id; false when it is unknown or already revoked.</summary>
    public bool Revoke(string id)
    {
        var keys = List().ToList();
        int index = keys.FindIndex(k => k.Id == id?.Trim() && k.Active);
        if (index < 0)
        {
            return false;
        }

        keys[index] = keys[index] with { Revoked = DateTimeOffset.UtcNow };
        Save(keys);
        return true;
    }

    /// <summary>The active key that <paramref name="key"/> is, or null (comparison in constant time).</summary>
    public static ApiKeyRecord? Match(IReadOnlyList<ApiKeyRecord> keys, string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200 || !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        byte[] presented = Convert.FromHexString(Hash(key));
        ApiKeyRecord? found = null;
        foreach (var record in keys)
        {
            if (record.Active && record.Sha256.Length == 64 && CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(record.Sha256)))
            {
                found = record;
            }
        }

        return found;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private void Save(List<ApiKeyRecord> keys)
    {
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        string temporary = Path + ".tmp";
        var streamOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, streamOptions))
        {
            JsonSerializer.Serialize(stream, keys, JsonOptions);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

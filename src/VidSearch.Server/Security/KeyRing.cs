namespace VidSearch.Server.Security;

/// <summary>
/// The server's view of the collection's API keys: re-read when the key file changes (checked at most once a
/// second), so `vidsearch keys create|revoke` take effect on a running server.
/// </summary>
public sealed class KeyRing(ApiKeyStore store, bool alwaysRequired)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<ApiKeyRecord> _keys = store.List();
    private DateTime _stamp = Stamp(store.Path);
    private long _checkedAt = Environment.TickCount64;

    /// <summary>Keys are required when the server says so (non-loopback binding, --require-keys) or any active key exists.</summary>
    public bool Required => alwaysRequired || Current.Any(k => k.Active);

    public IReadOnlyList<ApiKeyRecord> Current
    {
        get
        {
            lock (_lock)
            {
                long now = Environment.TickCount64;
                if (now - _checkedAt >= 1000)
                {
                    _checkedAt = now;
                    var stamp = Stamp(store.Path);
                    if (stamp != _stamp)
                    {
                        _keys = store.List();
                        _stamp = stamp;
                    }
                }

                return _keys;
            }
        }
    }

    public ApiKeyRecord? Match(string? key) => ApiKeyStore.Match(Current, key);

    private static DateTime Stamp(string path) => File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
}

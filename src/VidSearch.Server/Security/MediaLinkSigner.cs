using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VidSearch.Server.Security;

/// <summary>
/// Signs the media links (thumbnail, stream) that a search returns, so that a browser's &lt;img&gt; and &lt;video&gt;,
/// which cannot send an API key header, may fetch exactly those files for a limited time. The secret is random per
/// process: links die with the server.
/// </summary>
public sealed class MediaLinkSigner(TimeSpan lifetime, TimeProvider? clock = null)
{
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The "sig" query value granting access to video <paramref name="videoId"/>'s media.</summary>
    public string Sign(long videoId)
    {
        long expires = _clock.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        return expires.ToString(CultureInfo.InvariantCulture) + "." + Mac(videoId, expires);
    }

    public bool Verify(long videoId, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length > 100)
        {
            return false;
        }

        int dot = signature.IndexOf('.');
        if (dot <= 0 || !long.TryParse(signature.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out long expires)
            || expires < _clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature[(dot + 1)..]), Encoding.ASCII.GetBytes(Mac(videoId, expires)));
    }

    private string Mac(long videoId, long expires)
    {
        byte[] mac = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(videoId.ToString(CultureInfo.InvariantCulture) + ":" + expires.ToString(CultureInfo.InvariantCulture)));
        return Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

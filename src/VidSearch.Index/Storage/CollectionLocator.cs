using VidSearch.Core;

namespace VidSearch.Index.Storage;

/// <summary>
/// Maps a collection name to its database file: a plain name lives in $VIDSEARCH_HOME/collections/NAME.db
/// (VIDSEARCH_HOME defaults to ~/.vidsearch); a value with a folder separator or ending in .db is a path.
/// </summary>
public static class CollectionLocator
{
    public static string Home
    {
        get
        {
            string? home = Environment.GetEnvironmentVariable("VIDSEARCH_HOME");
            return string.IsNullOrWhiteSpace(home)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vidsearch")
                : home;
        }
    }

    public static string Resolve(string collection)
    {
        string name = collection?.Trim() ?? "";
        if (name.Length == 0)
        {
            throw VidSearchException.Argument("--collection", "is empty; give a name such as 'holidays' or a path ending in .db");
        }

        if (name.Contains(Path.DirectorySeparatorChar) || name.Contains(Path.AltDirectorySeparatorChar) || name.EndsWith(".db", StringComparison.OrdinalIgnoreCase))
        {
            return Path.GetFullPath(name);
        }

        if (name.Length > 100 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) || name.StartsWith('.'))
        {
            throw VidSearchException.Argument("--collection", $"'{name}' is not a valid name (letters, digits, '_', '-', '.'; at most 100 characters)");
        }

        return Path.Combine(Home, "collections", name + ".db");
    }
}

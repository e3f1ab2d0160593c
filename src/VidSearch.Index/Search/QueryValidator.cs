using VidSearch.Core;

namespace VidSearch.Index.Search;

/// <summary>Checks a text query before it reaches the model.</summary>
public static class QueryValidator
{
    public const int MaxCharacters = 1000;

    /// <summary>
    /// Returns the trimmed query, or throws <see cref="ErrorKind.InvalidArgument"/> when it is empty, longer
    /// than <see cref="MaxCharacters"/>, or needs more tokens than the model's context (when
    /// <paramref name="countTokens"/> is given: tokens including start and end markers).
    /// </summary>
    public static string Validate(string? query, Func<string, int>? countTokens = null, int contextLength = 77)
    {
        string trimmed = query?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw VidSearchException.Argument("query", "is empty; describe what to find, e.g. \"a dog catching a frisbee\"");
        }

        if (trimmed.Length > MaxCharacters)
        {
            throw VidSearchException.Argument("query", $"has {trimmed.Length} characters, at most {MaxCharacters} are accepted");
        }

        if (trimmed.Any(c => char.IsControl(c) && c is not '\t' and not '\n' and not '\r'))
        {
            throw VidSearchException.Argument("query", "contains control characters");
        }

        if (countTokens is not null)
        {
            int tokens = countTokens(trimmed);
            if (tokens > contextLength)
            {
                throw VidSearchException.Argument("query", $"needs {tokens} tokens, the model reads at most {contextLength}; shorten it");
            }
        }

        return trimmed;
    }
}

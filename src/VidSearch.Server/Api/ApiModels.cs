namespace VidSearch.Server.Api;

/// <summary>A matching moment of a video: time range (seconds), score, and a link to its thumbnail.</summary>
public sealed record MomentDto(double Start, double End, double Score, string ThumbnailUrl);

/// <summary>A ranked video of a search.</summary>
public sealed record SearchHitDto(long VideoId, string Name, double Score, double VisualScore, double? TextScore, string StreamUrl, IReadOnlyList<MomentDto> Moments);

/// <summary>The answer of every search endpoint.</summary>
public sealed record SearchResponseDto(string Kind, string? Query, string Index, int SegmentsSearched, double ElapsedMs, IReadOnlyList<SearchHitDto> Results);

/// <summary>GET /api/videos/{id}.</summary>
public sealed record VideoDto(long Id, string Name, double Duration, string Status, string? Error, long Size, IReadOnlyDictionary<string, string> Text, string? StreamUrl);

public sealed record HealthDto(string Status);

namespace VidSearch.Index.Storage;

/// <summary>The SQLite schema of a collection, versioned; <see cref="Version"/> rises with every change.</summary>
internal static class CollectionSchema
{
    public const int Version = 1;

    /// <summary>Text channel rows use rowid = videoId * ChannelSlots + channel, so a video's text is one rowid range.</summary>
    public const int ChannelSlots = 8;

    public const string Create = """
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        CREATE TABLE collection (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE videos (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            content_hash TEXT,
            size INTEGER NOT NULL,
            mtime INTEGER NOT NULL,
            duration REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
            error TEXT,
            indexed_at TEXT NOT NULL);
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('segment', 'frame', 'video')),
            start REAL NOT NULL,
            end REAL NOT NULL,
            embedding BLOB NOT NULL);
        CREATE INDEX segments_by_video ON segments(video_id, kind, start);
        CREATE INDEX segments_by_kind ON segments(kind);
        CREATE VIRTUAL TABLE text_channels USING fts5(content, tokenize = 'unicode61 remove_diacritics 2');
        """;

    /// <summary>
    /// Tables added within a version: created when first written, absent from older collections (their readers treat
    /// them as empty), ignored by older readers of the same version.
    /// </summary>
    public const string TuningQueriesTable = "tuning_queries";

    public const string CreateTuningQueries = $"""
        CREATE TABLE IF NOT EXISTS {TuningQueriesTable} (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,
            embedding BLOB NOT NULL);
        """;
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Storage;

/// <summary>
/// One collection in one SQLite file (WAL mode): its model and preprocessing, videos, segments with their
/// embeddings, and FTS5 text channels. Every video is written in one transaction, so a process killed at any
/// moment leaves the previous consistent state. Not thread-safe: one store per thread.
/// </summary>
public sealed class CollectionStore : IDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly SqliteConnection _connection;

    private CollectionStore(string path, SqliteConnection connection, CollectionInfo info)
    {
        Path = path;
        _connection = connection;
        Info = info;
    }

    public string Path { get; }

    public CollectionInfo Info { get; }

    /// <summary>Where the approximate index of this collection is cached (the HNSW graph beside it: <see cref="Search.VectorIndexFactory.CachePath"/>).</summary>
    public string AnnIndexPath => Path + ".ivf";

    /// <summary>Rises with every change to the stored vectors; identifies the vector content for caches.</summary>
    public long VectorsGeneration => long.Parse(ReadMeta("vectors_generation") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>Opens an existing collection.</summary>
    public static CollectionStore Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "collection not found (create it with `vidsearch index`)");
        }

        var connection = Connect(full, create: false);
        try
        {
            if (!HasTable(connection, "schema_version"))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, "not a vidsearch collection (no schema_version table)");
            }

            CheckSchemaVersion(connection, path);
            return new CollectionStore(full, connection, ReadInfo(connection, path));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the collection for indexing with <paramref name="info"/>, creating it when missing. An existing
    /// collection made with another model, dimension or storage type is refused: use `reindex` to migrate.
    /// </summary>
    public static CollectionStore OpenOrCreate(string path, CollectionInfo info)
    {
        if (string.IsNullOrWhiteSpace(info.ModelId))
        {
            throw VidSearchException.Argument("--model", "model id is empty");
        }

        if (info.EmbeddingDim <= 0)
        {
            throw VidSearchException.Argument("dim", $"embedding dimension must be positive, got {info.EmbeddingDim}");
        }

        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full) && new FileInfo(full).Length > 0)
        {
            var existing = Open(full);
            try
            {
                existing.EnsureCompatible(info);
                return existing;
            }
            catch
            {
                existing.Dispose();
                throw;
            }
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var connection = Connect(full, create: true);
        try
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, CollectionSchema.Create);
            Execute(connection, "INSERT INTO schema_version(version) VALUES ($v)", ("$v", CollectionSchema.Version));
            WriteMeta(connection, "model_id", info.ModelId);
            WriteMeta(connection, "preprocess", JsonSerializer.Serialize(info.Preprocess, JsonOptions));
            WriteMeta(connection, "embedding_dim", info.EmbeddingDim.ToString(CultureInfo.InvariantCulture));
            WriteMeta(connection, "storage", info.Storage.Name());
            WriteMeta(connection, "vectors_generation", "0");
            WriteMeta(connection, "created_at", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            transaction.Commit();
            return new CollectionStore(full, connection, info);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="ErrorKind.Incompatible"/> unless this collection was made with the same model and layout.</summary>
    public void EnsureCompatible(CollectionInfo wanted)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(Path);
        if (wanted.ModelId != Info.ModelId)
        {
            throw new VidSearchException(ErrorKind.Incompatible, Path,
                $"collection was indexed with model '{Info.ModelId}', not '{wanted.ModelId}'; run `vidsearch reindex --collection {name} --model {wanted.ModelId}` to migrate it, or use another collection");
        }

        if (wanted.EmbeddingDim != Info.EmbeddingDim)
        {
            throw new VidSearchException(ErrorKind.Incompatible, Path, $"collection holds {Info.EmbeddingDim}-d embeddings, the model gives {wanted.EmbeddingDim}-d; run `vidsearch reindex`");
        }

        if (wanted.Storage != Info.Storage)
        {
            throw new VidSearchException(ErrorKind.Incompatible, Path, $"collection stores {Info.Storage.Name()} vectors, not {wanted.Storage.Name()}; run `vidsearch reindex` to change the storage type");
        }

        if (wanted.Preprocess.ImageSize != Info.Preprocess.ImageSize
            || !wanted.Preprocess.Mean.SequenceEqual(Info.Preprocess.Mean)
            || !wanted.Preprocess.Std.SequenceEqual(Info.Preprocess.Std))
        {
            throw new VidSearchException(ErrorKind.Incompatible, Path, "collection was indexed with another preprocessing configuration; run `vidsearch reindex`");
        }
    }

    /// <summary>Throws <see cref="ErrorKind.Incompatible"/> when a query encoder of another model would search this collection.</summary>
    public void EnsureModel(string modelId)
    {
        if (modelId != Info.ModelId)
        {
            throw new VidSearchException(ErrorKind.Incompatible, Path,
                $"collection was indexed with model '{Info.ModelId}'; search it with that model, or run `vidsearch reindex --model {modelId}`");
        }
    }

    /// <summary>
    /// Where the collection's model was loaded from when it was indexed (a model store name or folder), so that a search
    /// can load the same model; null for collections indexed before this was recorded.
    /// </summary>
    public string? ModelSource => ReadMeta("model_source");

    /// <summary>Records where the collection's model lives (see <see cref="ModelSource"/>).</summary>
    public void SetModelSource(string source) => WriteMeta(_connection, "model_source", source);

    public IReadOnlyList<StoredVideo> Videos()
    {
        using var command = Command("SELECT id, path, content_hash, size, mtime, duration, status, error FROM videos ORDER BY id");
        using var reader = command.ExecuteReader();
        var result = new List<StoredVideo>();
        while (reader.Read())
        {
            result.Add(ReadVideo(reader));
        }

        return result;
    }

    public StoredVideo? FindVideo(string path)
    {
        using var command = Command("SELECT id, path, content_hash, size, mtime, duration, status, error FROM videos WHERE path = $p", ("$p", path));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVideo(reader) : null;
    }

    public StoredVideo? FindVideo(long id)
    {
        using var command = Command("SELECT id, path, content_hash, size, mtime, duration, status, error FROM videos WHERE id = $id", ("$id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVideo(reader) : null;
    }

    /// <summary>
    /// Stores a successfully embedded video in one transaction, replacing whatever was stored for its path.
    /// Returns the video id.
    /// </summary>
    public long SaveVideo(string path, FileIdentity identity, double duration, IReadOnlyList<SegmentRecord> segments, IReadOnlyList<TextEntry> texts)
    {
        foreach (var segment in segments)
        {
            if (segment.Embedding.Length != Info.EmbeddingDim)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"embedding has {segment.Embedding.Length} dimensions, the collection holds {Info.EmbeddingDim}");
            }

            if (!(segment.End >= segment.Start) || segment.Start < 0 || !double.IsFinite(segment.End))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"segment [{segment.Start}, {segment.End}] is not a valid time range");
            }
        }

        using var transaction = _connection.BeginTransaction();
        DeleteVideoRows(path);
        long id = InsertVideo(path, identity, duration, VideoStatus.Done, error: null);
        using (var insert = Command("INSERT INTO segments(video_id, kind, start, end, embedding) VALUES ($v, $k, $s, $e, $b)"))
        {
            var pv = insert.Parameters.Add("$v", SqliteType.Integer);
            var pk = insert.Parameters.Add("$k", SqliteType.Text);
            var ps = insert.Parameters.Add("$s", SqliteType.Real);
            var pe = insert.Parameters.Add("$e", SqliteType.Real);
            var pb = insert.Parameters.Add("$b", SqliteType.Blob);
            insert.Prepare();
            var bytes = new byte[Info.Storage.BytesPerVector(Info.EmbeddingDim)];
            foreach (var segment in segments)
            {
                VectorCodec.Encode(segment.Embedding, Info.Storage, bytes);
                pv.Value = id;
                pk.Value = KindName(segment.Kind);
                ps.Value = segment.Start;
                pe.Value = segment.End;
                pb.Value = bytes;
                insert.ExecuteNonQuery();
            }
        }

        foreach (var text in texts.Where(t => !string.IsNullOrWhiteSpace(t.Content)).GroupBy(t => t.Channel))
        {
            Execute(_connection, "INSERT INTO text_channels(rowid, content) VALUES ($r, $c)",
                ("$r", id * CollectionSchema.ChannelSlots + (int)text.Key), ("$c", string.Join("\n", text.Select(t => t.Content))));
        }

        BumpGeneration();
        transaction.Commit();
        return id;
    }

    /// <summary>Records that a video could not be indexed (replacing what was stored for it).</summary>
    public void SaveFailure(string path, FileIdentity identity, string reason)
    {
        using var transaction = _connection.BeginTransaction();
        bool hadVectors = DeleteVideoRows(path);
        InsertVideo(path, identity, 0, VideoStatus.Failed, reason);
        if (hadVectors)
        {
            BumpGeneration();
        }

        transaction.Commit();
    }

    /// <summary>Updates the size and modification time of an unchanged file (same content hash, e.g. after a copy).</summary>
    public void UpdateFileTimes(long videoId, long size, long modifiedTicks)
        => Execute(_connection, "UPDATE videos SET size = $s, mtime = $m WHERE id = $id", ("$s", size), ("$m", modifiedTicks), ("$id", videoId));

    /// <summary>Removes a video with its segments and text (one transaction).</summary>
    public bool DeleteVideo(string path)
    {
        using var transaction = _connection.BeginTransaction();
        bool removed = DeleteVideoRows(path);
        if (removed)
        {
            BumpGeneration();
        }

        transaction.Commit();
        return removed;
    }

    public int SegmentCount(SegmentKind? kind = null)
    {
        using var command = kind is null
            ? Command("SELECT COUNT(*) FROM segments")
            : Command("SELECT COUNT(*) FROM segments WHERE kind = $k", ("$k", KindName(kind.Value)));
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Loads every stored row of one kind into memory, in a stable order (by segment id).</summary>
    public SegmentTable LoadSegments(SegmentKind kind, long? videoId = null)
    {
        using var command = videoId is null
            ? Command("SELECT id, video_id, start, end, embedding FROM segments WHERE kind = $k ORDER BY id", ("$k", KindName(kind)))
            : Command("SELECT id, video_id, start, end, embedding FROM segments WHERE kind = $k AND video_id = $v ORDER BY start, id", ("$k", KindName(kind)), ("$v", videoId.Value));
        using var reader = command.ExecuteReader();
        var store = VectorStore.Create(Info.Storage, Info.EmbeddingDim);
        var ids = new List<long>();
        var videos = new List<long>();
        var starts = new List<double>();
        var ends = new List<double>();
        int bytesPerVector = Info.Storage.BytesPerVector(Info.EmbeddingDim);
        var buffer = new byte[bytesPerVector];
        while (reader.Read())
        {
            long length = reader.GetBytes(4, 0, null, 0, 0);
            if (length != bytesPerVector)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, Path, $"segment {reader.GetInt64(0)} holds a {length}-byte vector, expected {bytesPerVector}; the collection is damaged, run `vidsearch reindex`");
            }

            reader.GetBytes(4, 0, buffer, 0, bytesPerVector);
            store.AddEncoded(buffer);
            ids.Add(reader.GetInt64(0));
            videos.Add(reader.GetInt64(1));
            starts.Add(reader.GetDouble(2));
            ends.Add(reader.GetDouble(3));
        }

        return new SegmentTable(store, [.. ids], [.. videos], [.. starts], [.. ends]);
    }

    /// <summary>
    /// BM25 matches of the words of <paramref name="query"/> (any word may match) in the text channels; FTS
    /// syntax in the query is treated as plain words. Best first.
    /// </summary>
    public IReadOnlyList<TextMatch> SearchText(string query, int limit)
    {
        string? match = FtsQuery.FromPlainText(query);
        if (match is null)
        {
            return [];
        }

        using var command = Command("SELECT rowid, bm25(text_channels) FROM text_channels WHERE text_channels MATCH $q ORDER BY bm25(text_channels) LIMIT $n", ("$q", match), ("$n", limit));
        using var reader = command.ExecuteReader();
        var result = new List<TextMatch>();
        while (reader.Read())
        {
            long rowid = reader.GetInt64(0);
            result.Add(new TextMatch(rowid / CollectionSchema.ChannelSlots, (TextChannel)(rowid % CollectionSchema.ChannelSlots), -reader.GetDouble(1)));
        }

        return result;
    }

    /// <summary>Text stored for a video, by channel.</summary>
    public IReadOnlyDictionary<TextChannel, string> TextOf(long videoId)
    {
        using var command = Command("SELECT rowid, content FROM text_channels WHERE rowid BETWEEN $a AND $b",
            ("$a", videoId * CollectionSchema.ChannelSlots), ("$b", videoId * CollectionSchema.ChannelSlots + CollectionSchema.ChannelSlots - 1));
        using var reader = command.ExecuteReader();
        var result = new Dictionary<TextChannel, string>();
        while (reader.Read())
        {
            result[(TextChannel)(reader.GetInt64(0) % CollectionSchema.ChannelSlots)] = reader.GetString(1);
        }

        return result;
    }

    /// <summary>
    /// The text of one channel across the collection (every title, say): the first <paramref name="limit"/> videos'
    /// (in the order they were indexed), each cut to <paramref name="maxChars"/> characters.
    /// </summary>
    public IReadOnlyList<string> ChannelTexts(TextChannel channel, int limit, int maxChars)
    {
        using var command = Command("SELECT substr(content, 1, $chars) FROM text_channels WHERE rowid % $slots = $c ORDER BY rowid LIMIT $n",
            ("$chars", maxChars), ("$slots", CollectionSchema.ChannelSlots), ("$c", (int)channel), ("$n", limit));
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read())
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>
    /// The stored tuning queries (texts like the ones users search with, embedded by the collection's model; see
    /// <see cref="Indexing.TuningQueries"/>), in the order they were written; empty when none were.
    /// </summary>
    public IReadOnlyList<TuningQuery> TuningQueries()
    {
        if (!HasTable(_connection, CollectionSchema.TuningQueriesTable))
        {
            return [];
        }

        using var command = Command($"SELECT id, text, embedding FROM {CollectionSchema.TuningQueriesTable} ORDER BY id");
        using var reader = command.ExecuteReader();
        var result = new List<TuningQuery>();
        while (reader.Read())
        {
            var bytes = (byte[])reader.GetValue(2);
            if (bytes.Length != Info.EmbeddingDim * sizeof(float))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, Path, $"tuning query {reader.GetInt64(0)} holds a {bytes.Length}-byte vector, expected {Info.EmbeddingDim * sizeof(float)}; the collection is damaged, run `vidsearch reindex`");
            }

            result.Add(new TuningQuery(reader.GetString(1), MemoryMarshal.Cast<byte, float>(bytes).ToArray()));
        }

        return result;
    }

    /// <summary>
    /// Replaces the tuning queries in one transaction and raises <see cref="VectorsGeneration"/>, so that a cached
    /// approximate index tuned on the old ones is rebuilt.
    /// </summary>
    public void ReplaceTuningQueries(IReadOnlyList<TuningQuery> queries)
    {
        if (queries.FirstOrDefault(q => q.Vector.Length != Info.EmbeddingDim) is { } wrong)
        {
            throw VidSearchException.Argument("tuning queries", $"'{wrong.Text}' has {wrong.Vector.Length} dimensions, the collection {Info.EmbeddingDim}");
        }

        using var transaction = _connection.BeginTransaction();
        Execute(_connection, CollectionSchema.CreateTuningQueries);
        Execute(_connection, $"DELETE FROM {CollectionSchema.TuningQueriesTable}");
        foreach (var query in queries)
        {
            Execute(_connection, $"INSERT INTO {CollectionSchema.TuningQueriesTable}(text, embedding) VALUES ($t, $e)",
                ("$t", query.Text), ("$e", MemoryMarshal.AsBytes(query.Vector.AsSpan()).ToArray()));
        }

        BumpGeneration();
        transaction.Commit();
    }

    /// <summary>
    /// Checks the invariants a crash must never break: SQLite integrity, no orphan rows, every done video has
    /// segments, failed videos have none, every vector has the collection's size. Returns the problems found.
    /// </summary>
    public IReadOnlyList<string> CheckConsistency()
    {
        var problems = new List<string>();
        string integrity = Convert.ToString(Scalar("PRAGMA integrity_check"), CultureInfo.InvariantCulture) ?? "";
        if (integrity != "ok")
        {
            problems.Add($"integrity_check: {integrity}");
        }

        Check("SELECT COUNT(*) FROM segments WHERE video_id NOT IN (SELECT id FROM videos)", "segments without a video");
        Check("SELECT COUNT(*) FROM videos v WHERE status = 'done' AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.video_id = v.id)", "done videos without segments");
        Check("SELECT COUNT(*) FROM videos v WHERE status = 'failed' AND EXISTS (SELECT 1 FROM segments s WHERE s.video_id = v.id)", "failed videos with segments");
        Check($"SELECT COUNT(*) FROM segments WHERE length(embedding) <> {Info.Storage.BytesPerVector(Info.EmbeddingDim)}", "vectors of the wrong size");
        Check($"SELECT COUNT(*) FROM text_channels WHERE rowid / {CollectionSchema.ChannelSlots} NOT IN (SELECT id FROM videos WHERE status = 'done')", "text rows without a done video");
        return problems;

        void Check(string sql, string what)
        {
            long n = Convert.ToInt64(Scalar(sql), CultureInfo.InvariantCulture);
            if (n != 0)
            {
                problems.Add($"{n} {what}");
            }
        }
    }

    public void Dispose() => _connection.Dispose();

    private static SqliteConnection Connect(string path, bool create)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // WAL + synchronous=NORMAL: a killed process never corrupts the file or loses a committed transaction.
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;");
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"cannot open the collection database ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static void CheckSchemaVersion(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(version) FROM schema_version";
        object? value = command.ExecuteScalar();
        if (value is null or DBNull)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "collection has no schema version; it is damaged, run `vidsearch reindex`");
        }

        long version = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        if (version > CollectionSchema.Version)
        {
            throw new VidSearchException(ErrorKind.Incompatible, path, $"collection has schema version {version}, this vidsearch reads up to {CollectionSchema.Version}; upgrade vidsearch");
        }

        if (version < CollectionSchema.Version)
        {
            throw new VidSearchException(ErrorKind.Incompatible, path, $"collection has the old schema version {version}; run `vidsearch reindex` to migrate it");
        }
    }

    private static CollectionInfo ReadInfo(SqliteConnection connection, string path)
    {
        string Get(string key) => ReadMeta(connection, key) ?? throw new VidSearchException(ErrorKind.InvalidInput, path, $"collection metadata lacks '{key}'; it is damaged, run `vidsearch reindex`");
        try
        {
            var preprocess = JsonSerializer.Deserialize<PreprocessConfig>(Get("preprocess"), JsonOptions)
                ?? throw new JsonException("null preprocessing config");
            return new CollectionInfo(Get("model_id"), preprocess, int.Parse(Get("embedding_dim"), CultureInfo.InvariantCulture), VectorStorageTypes.Parse(Get("storage")));
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"collection metadata is malformed ({e.Message})", e);
        }
    }

    private static bool HasTable(SqliteConnection connection, string name)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $n";
            command.Parameters.AddWithValue("$n", name);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
        }
        catch (SqliteException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, connection.DataSource, $"not a readable SQLite database ({e.Message.TrimEnd('.')})", e);
        }
    }

    private string? ReadMeta(string key) => ReadMeta(_connection, key);

    private static string? ReadMeta(SqliteConnection connection, string key)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM collection WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    private static void WriteMeta(SqliteConnection connection, string key, string value)
        => Execute(connection, "INSERT INTO collection(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$k", key), ("$v", value));

    private void BumpGeneration() => Execute(_connection, "UPDATE collection SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_generation'");

    private bool DeleteVideoRows(string path)
    {
        if (FindVideo(path) is not { } old)
        {
            return false;
        }

        Execute(_connection, "DELETE FROM text_channels WHERE rowid BETWEEN $a AND $b",
            ("$a", old.Id * CollectionSchema.ChannelSlots), ("$b", old.Id * CollectionSchema.ChannelSlots + CollectionSchema.ChannelSlots - 1));
        Execute(_connection, "DELETE FROM videos WHERE id = $id", ("$id", old.Id));
        return true;
    }

    private long InsertVideo(string path, FileIdentity identity, double duration, VideoStatus status, string? error)
    {
        using var command = Command(
            "INSERT INTO videos(path, content_hash, size, mtime, duration, status, error, indexed_at) VALUES ($p, $h, $s, $m, $d, $st, $e, $t) RETURNING id",
            ("$p", path), ("$h", identity.ContentHash), ("$s", identity.Size), ("$m", identity.ModifiedTicks), ("$d", duration),
            ("$st", status == VideoStatus.Done ? "done" : "failed"), ("$e", (object?)error ?? DBNull.Value), ("$t", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static StoredVideo ReadVideo(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetInt64(3),
        reader.GetInt64(4),
        reader.GetDouble(5),
        reader.GetString(6) == "done" ? VideoStatus.Done : VideoStatus.Failed,
        reader.IsDBNull(7) ? null : reader.GetString(7));

    private static string KindName(SegmentKind kind) => kind switch
    {
        SegmentKind.Segment => "segment",
        SegmentKind.Frame => "frame",
        SegmentKind.Video => "video",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}

/// <summary>Stored rows of one kind loaded for search: vectors plus, per row, segment id, video id and time range.</summary>
public sealed record SegmentTable(VectorStore Vectors, long[] SegmentIds, long[] VideoIds, double[] Starts, double[] Ends)
{
    public int Count => SegmentIds.Length;
}

/// <summary>Turns free text into a safe FTS5 query: each word quoted, words joined by OR.</summary>
public static class FtsQuery
{
    public static string? FromPlainText(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(c);
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words.Count == 0 ? null : string.Join(" OR ", words.Distinct(StringComparer.OrdinalIgnoreCase).Select(w => $"\"{w}\""));
    }
}

using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Trains only the rows of a CLIP's token-embedding table that the training captions use. The full table (49408 rows
/// for CLIP's vocabulary) would otherwise get a dense gradient, gradient-norm and AdamW update over every row at every
/// step, although a small captioned world uses a few dozen tokens. This module holds a copy of the used rows; the
/// model's own table is frozen while training and <see cref="WriteBack"/> copies the trained rows into it, so the
/// saved checkpoint is an ordinary CLIP. The arithmetic of the used rows is the same as with the full table; rows
/// never used keep their initial values (with the full table, weight decay would only shrink them).
/// </summary>
public sealed class CompactTokenEmbedding : nn.Module
{
    private const string TableName = "text_model.embeddings.token_embedding.weight";

    private readonly Parameter rows;
    private readonly Parameter table;
    private readonly long[] vocabularyIds;
    private readonly Tensor compactIdOf;

    /// <param name="usedIds">Token ids the training captions use (any order, repeats allowed).</param>
    public CompactTokenEmbedding(ClipModel model, IEnumerable<long> usedIds)
        : base(nameof(CompactTokenEmbedding))
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(usedIds);
        Model = model;
        table = model.named_parameters().FirstOrDefault(p => p.name == TableName).parameter
            ?? throw VidSearchException.Argument("model", $"has no parameter {TableName}");
        long vocabulary = table.shape[0];
        vocabularyIds = usedIds.Distinct().Order().ToArray();
        if (vocabularyIds.Length == 0)
        {
            throw VidSearchException.Argument("usedIds", "is empty (no caption token to train)");
        }

        if (vocabularyIds[0] < 0 || vocabularyIds[^1] >= vocabulary)
        {
            throw VidSearchException.Argument("usedIds", $"token ids must be in 0..{vocabulary - 1}, got {vocabularyIds[0]}..{vocabularyIds[^1]}");
        }

        var map = Enumerable.Repeat(-1L, (int)vocabulary).ToArray();
        for (int i = 0; i < vocabularyIds.Length; i++)
        {
            map[vocabularyIds[i]] = i;
        }

        compactIdOf = tensor(map);
        using (no_grad())
        {
            rows = new Parameter(table.index_select(0, tensor(vocabularyIds)).clone());
        }

        table.requires_grad = false;
        register_parameter("rows", rows); // only this: the model and its table are not parts of this module

    }

    public ClipModel Model { get; }

    /// <summary>Rows trained here (distinct token ids used).</summary>
    public int RowCount => vocabularyIds.Length;

    /// <summary>Pooled projected text features [B, E] (unnormalised) of ids [B, L] whose tokens are all in the used set.</summary>
    public Tensor TextFeatures(Tensor ids, Tensor endPositions)
    {
        using var scope = NewDisposeScope();
        var compact = compactIdOf.index_select(0, ids.flatten()).view(ids.shape);
        if (compact.min().item<long>() < 0)
        {
            throw VidSearchException.Argument("ids", "contain a token outside the rows this embedding trains");
        }

        var embeddings = rows.index_select(0, compact.flatten()).view(ids.shape[0], ids.shape[1], rows.shape[1]);
        return Model.TextFeaturesFromEmbeddings(embeddings, endPositions).MoveToOuterDisposeScope();
    }

    /// <summary>Copies the trained rows into the model's table (call before evaluating or saving the model).</summary>
    public void WriteBack()
    {
        using var _ = no_grad();
        table.index_copy_(0, tensor(vocabularyIds), rows);
    }

    /// <summary>Copies the trained rows back and lets the model's table train again.</summary>
    public void Release()
    {
        WriteBack();
        table.requires_grad = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            compactIdOf.Dispose();
        }

        base.Dispose(disposing);
    }
}

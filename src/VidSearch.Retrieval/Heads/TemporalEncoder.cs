using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// A pre-norm transformer over the frames of each video with learnable temporal position embeddings. The position
/// table and the output projections of every block start at zero, so a fresh encoder is the identity on the
/// normalised frames (the head starts as mean pooling) and learns temporal mixing from there.
/// Padding frames are excluded as attention keys; their outputs are meaningless and must stay masked downstream.
/// </summary>
public sealed class TemporalEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Parameter frame_position;
    private readonly ModuleList<TemporalBlock> blocks;
    private readonly int maxFrames;

    public TemporalEncoder(HeadOptions options)
        : base("temporal_encoder")
    {
        maxFrames = options.MaxFrames;
        frame_position = new Parameter(zeros(options.MaxFrames, options.Dim));
        blocks = new ModuleList<TemporalBlock>();
        for (int i = 0; i < options.Layers; i++)
        {
            blocks.Add(new TemporalBlock(options.Dim, options.AttentionHeads));
        }

        RegisterComponents();
    }

    public int MaxFrames => maxFrames;

    /// <summary>[B,T,D] normalised frames, [B,T] mask -> [B,T,D].</summary>
    public override Tensor forward(Tensor frames, Tensor mask)
    {
        long t = frames.shape[1];
        var x = frames + frame_position.narrow(0, 0, t).unsqueeze(0);
        foreach (var block in blocks)
        {
            var next = block.forward(x, mask);
            x.Dispose();
            x = next;
        }

        return x;
    }
}

/// <summary>One pre-norm transformer block (self-attention with key padding mask, then a GELU MLP).</summary>
public sealed class TemporalBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly Linear in_proj;
    private readonly Linear out_proj;
    private readonly LayerNorm ln_2;
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly int heads;

    public TemporalBlock(int dim, int heads)
        : base("temporal_block")
    {
        this.heads = heads;
        ln_1 = nn.LayerNorm(dim);
        in_proj = nn.Linear(dim, 3 * dim);
        out_proj = nn.Linear(dim, dim);
        ln_2 = nn.LayerNorm(dim);
        c_fc = nn.Linear(dim, 4 * dim);
        c_proj = nn.Linear(4 * dim, dim);
        using (no_grad())
        {
            out_proj.weight!.zero_();
            out_proj.bias!.zero_();
            c_proj.weight!.zero_();
            c_proj.bias!.zero_();
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        long hd = d / heads;
        var qkv = in_proj.forward(ln_1.forward(x)).view(b, t, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var q = qkv[0];
        var k = qkv[1];
        var v = qkv[2];
        var logits = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(hd);
        var keyMask = mask.view(b, 1, 1, t);
        var attention = Pooling.MaskedSoftmax(logits, keyMask.expand(b, heads, t, t));
        var mixed = attention.matmul(v).permute(0, 2, 1, 3).reshape(b, t, d);
        var h = x + out_proj.forward(mixed);
        var y = h + c_proj.forward(nn.functional.gelu(c_fc.forward(ln_2.forward(h))));
        return y.MoveToOuterDisposeScope();
    }
}

using VidSearch.Core;
using VidSearch.Eval.Datasets;

namespace VidSearch.Eval.Tasks;

/// <summary>
/// Class names through prompt templates: each class's name (as prompt text, see <see cref="ClassList.ToPromptText"/>)
/// is put into every template, the embeddings are L2-normalised, averaged and normalised again.
/// </summary>
public sealed class PromptEnsemble
{
    public static readonly IReadOnlyList<string> DefaultTemplates =
    [
        "a video of a person {}.",
        "a photo of {}.",
        "a video of {}.",
        "a person is {}.",
        "a clip of someone {}.",
        "an example of {}.",
    ];

    public PromptEnsemble(IReadOnlyList<string>? templates = null)
    {
        Templates = templates ?? DefaultTemplates;
        if (Templates.Count == 0)
        {
            throw VidSearchException.Argument("templates", "at least one prompt template is needed");
        }

        var bad = Templates.FirstOrDefault(t => !t.Contains("{}", StringComparison.Ordinal));
        if (bad is not null)
        {
            throw VidSearchException.Argument("templates", $"\"{bad}\" has no {{}} placeholder for the class name");
        }
    }

    public IReadOnlyList<string> Templates { get; }

    public IReadOnlyList<string> Prompts(string className)
    {
        string text = ClassList.ToPromptText(className);
        return Templates.Select(t => t.Replace("{}", text, StringComparison.Ordinal)).ToList();
    }

    /// <summary>One normalised row per class, in the order given.</summary>
    public EmbeddingMatrix Encode(ITextEncoder encoder, IReadOnlyList<string> classNames)
    {
        if (classNames.Count == 0)
        {
            throw VidSearchException.Argument("classes", "no class names");
        }

        var prompts = classNames.SelectMany(Prompts).ToList();
        var embedded = encoder.EncodeTexts(prompts);
        int t = Templates.Count;
        var result = new EmbeddingMatrix(classNames.Count, embedded.Dim);
        for (int c = 0; c < classNames.Count; c++)
        {
            var row = result.Row(c);
            for (int k = 0; k < t; k++)
            {
                var e = VectorMath.Normalized(embedded.RowReadOnly((c * t) + k));
                System.Numerics.Tensors.TensorPrimitives.Add(row, e, row);
            }

            VectorMath.NormalizeInPlace(row);
        }

        return result;
    }
}

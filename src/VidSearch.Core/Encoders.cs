namespace VidSearch.Core;

/// <summary>Encodes preprocessed images into the joint embedding space (rows L2-normalised).</summary>
public interface IImageEncoder
{
    int EmbeddingDim { get; }

    PreprocessConfig Preprocess { get; }

    EmbeddingMatrix EncodeImages(ImageBatch batch);
}

/// <summary>Encodes texts into the joint embedding space (rows L2-normalised).</summary>
public interface ITextEncoder
{
    int EmbeddingDim { get; }

    EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts);
}

/// <summary>
/// A loaded image-text model, whatever its backend (TorchSharp or ONNX Runtime). The rest of the
/// engine sees only this interface.
/// </summary>
public interface IClipModel : IImageEncoder, ITextEncoder, IDisposable
{
    /// <summary>Stable identity of the weights (name plus content hash), stored in indexes and reports.</summary>
    string ModelId { get; }

    /// <summary>exp(logit_scale): the inverse temperature learned with the model.</summary>
    float LogitScale { get; }
}

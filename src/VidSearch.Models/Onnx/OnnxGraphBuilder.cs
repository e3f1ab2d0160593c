using System.Runtime.InteropServices;

namespace VidSearch.Models.Onnx;

/// <summary>An ONNX node attribute (int, float or list of ints).</summary>
internal readonly record struct OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);

    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);

    public static OnnxAttribute Of(string name, params long[] values) => new(name, Ints: values);
}

/// <summary>
/// Builds an ONNX ModelProto (field numbers from onnx.proto) node by node and writes it with <see cref="ProtoWriter"/>.
/// Weights are stored as raw_data initializers.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const int FloatType = 1;
    public const int Int64Type = 7;

    private readonly List<Action<ProtoWriter>> nodes = [];
    private readonly List<Action<ProtoWriter>> initializers = [];
    private readonly List<Action<ProtoWriter>> inputs = [];
    private readonly List<Action<ProtoWriter>> outputs = [];
    private readonly HashSet<string> initializerNames = [];
    private int counter;

    /// <summary>Adds a node and returns its (single) output name.</summary>
    public string Node(string op, string[] nodeInputs, params OnnxAttribute[] attributes)
    {
        string output = $"{op.ToLowerInvariant()}_{counter++}";
        NodeWithOutputs(op, nodeInputs, [output], attributes);
        return output;
    }

    public void NodeWithOutputs(string op, string[] nodeInputs, string[] nodeOutputs, params OnnxAttribute[] attributes)
    {
        string name = $"n{nodes.Count}_{op}";
        nodes.Add(w =>
        {
            foreach (string input in nodeInputs)
            {
                w.WriteString(1, input);
            }

            foreach (string output in nodeOutputs)
            {
                w.WriteString(2, output);
            }

            w.WriteString(3, name);
            w.WriteString(4, op);
            foreach (var attribute in attributes)
            {
                w.WriteMessage(5, a => WriteAttribute(a, attribute));
            }
        });
    }

    public string Initializer(string name, long[] dims, float[] values) =>
        AddInitializer(name, dims, FloatType, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public string Int64Constant(long[] values, long[]? dims = null) =>
        AddInitializer($"const_{counter++}", dims ?? [values.Length], Int64Type, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>A scalar (rank-0) int64 constant.</summary>
    public string Int64Scalar(long value) => Int64Constant([value], []);

    public string FloatScalar(float value) =>
        AddInitializer($"const_{counter++}", [], FloatType, BitConverter.GetBytes(value));

    /// <summary>Declares a graph input; a dim is either a number or a symbolic name.</summary>
    public void Input(string name, int elementType, params object[] dims) => inputs.Add(w => WriteValueInfo(w, name, elementType, dims));

    public void Output(string name, int elementType, params object[] dims) => outputs.Add(w => WriteValueInfo(w, name, elementType, dims));

    /// <summary>Writes the ModelProto: IR version 8, opset 17 of the default domain, string metadata.</summary>
    public void Write(Stream stream, string graphName, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ProtoWriter(stream);
        model.WriteInt64(1, 8);
        model.WriteString(2, "vidsearch");
        model.WriteString(3, "1");
        model.WriteMessage(8, o =>
        {
            o.WriteString(1, "");
            o.WriteInt64(2, 17);
        });
        model.WriteMessage(7, g =>
        {
            nodes.ForEach(n => g.WriteMessage(1, n));
            g.WriteString(2, graphName);
            initializers.ForEach(i => g.WriteMessage(5, i));
            inputs.ForEach(i => g.WriteMessage(11, i));
            outputs.ForEach(o => g.WriteMessage(12, o));
        });
        foreach (var (key, value) in metadata)
        {
            model.WriteMessage(14, e =>
            {
                e.WriteString(1, key);
                e.WriteString(2, value);
            });
        }
    }

    private string AddInitializer(string name, long[] dims, int dataType, byte[] raw)
    {
        if (!initializerNames.Add(name))
        {
            throw new InvalidOperationException($"initializer {name} added twice");
        }

        initializers.Add(w =>
        {
            foreach (long d in dims)
            {
                w.WriteInt64(1, d);
            }

            w.WriteInt64(2, dataType);
            w.WriteString(8, name);
            w.WriteBytes(9, raw);
        });
        return name;
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute attribute)
    {
        w.WriteString(1, attribute.Name);
        if (attribute.Int is long i)
        {
            w.WriteInt64(20, 2);
            w.WriteInt64(3, i);
        }
        else if (attribute.Float is float f)
        {
            w.WriteInt64(20, 1);
            w.WriteFloat(2, f);
        }
        else
        {
            w.WriteInt64(20, 7);
            foreach (long v in attribute.Ints!)
            {
                w.WriteInt64(8, v);
            }
        }
    }

    private static void WriteValueInfo(ProtoWriter w, string name, int elementType, object[] dims)
    {
        w.WriteString(1, name);
        w.WriteMessage(2, type => type.WriteMessage(1, tensor =>
        {
            tensor.WriteInt64(1, elementType);
            tensor.WriteMessage(2, shape =>
            {
                foreach (var dim in dims)
                {
                    shape.WriteMessage(1, d =>
                    {
                        if (dim is string symbol)
                        {
                            d.WriteString(2, symbol);
                        }
                        else
                        {
                            d.WriteInt64(1, Convert.ToInt64(dim));
                        }
                    });
                }
            });
        }));
    }
}

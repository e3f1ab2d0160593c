using VidSearch.Core;

namespace VidSearch.Models.Clip;

/// <summary>A named CLIP shape (e.g. "vit-b32") that a command line can ask for.</summary>
/// <param name="Name">Lower-case name typed after --arch.</param>
/// <param name="Description">One line for help texts.</param>
/// <param name="Create">Builds the config (a fresh, validated <see cref="ClipConfig"/>).</param>
public sealed record ClipArchitecture(string Name, string Description, Func<ClipConfig> Create);

/// <summary>
/// The named CLIP architectures a command accepts: the real OpenAI shapes and the test model built in here, plus any
/// the caller adds (e.g. the pretraining presets). Names are unique and compared case-insensitively.
/// </summary>
public sealed class ClipArchitectureCatalog
{
    private readonly List<ClipArchitecture> entries;

    public ClipArchitectureCatalog(IEnumerable<ClipArchitecture> architectures)
    {
        entries = [];
        foreach (var architecture in architectures)
        {
            if (string.IsNullOrWhiteSpace(architecture.Name))
            {
                throw VidSearchException.Argument("architecture", "a name is empty");
            }

            if (entries.Any(e => string.Equals(e.Name, architecture.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw VidSearchException.Argument("architecture", $"'{architecture.Name}' is named twice");
            }

            entries.Add(architecture);
        }
    }

    /// <summary>vit-b32 and vit-b16 (OpenAI's shapes) and test-tiny (<see cref="ClipConfig.Tiny"/>, 32 px).</summary>
    public static ClipArchitectureCatalog Builtin { get; } = new(
    [
        new("vit-b32", "OpenAI CLIP ViT-B/32: 224 px, 32 px patches, 12+12 layers, 512-d (151M parameters)", () => ClipConfig.VitB32),
        new("vit-b16", "OpenAI CLIP ViT-B/16: 224 px, 16 px patches, 12+12 layers, 512-d (150M parameters)", () => ClipConfig.VitB16),
        new("test-tiny", "the test model: 32 px, 8 px patches, 2+2 layers of width 32, 16-d", () => ClipConfig.Tiny),
    ]);

    public IReadOnlyList<ClipArchitecture> Entries => entries;

    public IReadOnlyList<string> Names => entries.Select(e => e.Name).ToList();

    /// <summary>This catalog with more architectures after its own.</summary>
    public ClipArchitectureCatalog With(IEnumerable<ClipArchitecture> more) => new(entries.Concat(more));

    /// <summary>The architecture of that name; a usage error listing the known names otherwise.</summary>
    public ClipArchitecture Get(string? name, string subject = "--arch")
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw VidSearchException.Argument(subject, $"no architecture given (known: {string.Join(", ", Names)})");
        }

        return entries.FirstOrDefault(e => string.Equals(e.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw VidSearchException.Argument(subject, $"unknown architecture '{name}' (known: {string.Join(", ", Names)})");
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VidSearch.Models.Clip;

/// <summary>
/// Sets libtorch's OpenMP to wait passively (OMP_WAIT_POLICY=PASSIVE) before libtorch is loaded, unless the user set it.
/// OpenMP's default spin-waiting collapses when the cores are shared with other work: measured on a loaded 2-core
/// machine, one ViT-B/32 image took 5x longer and a text query 3x longer with spinning threads.
/// The native environment must be changed (libgomp reads it once, at load), hence setenv rather than
/// Environment.SetEnvironmentVariable, which on Unix changes only the managed copy.
/// </summary>
internal static class TorchRuntimeDefaults
{
#pragma warning disable CA2255 // deliberate: must run before any code of this library can load libtorch
    [ModuleInitializer]
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null)
        {
            return;
        }
#pragma warning restore CA2255

        try
        {
            _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}

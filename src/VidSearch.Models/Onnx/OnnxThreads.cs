using System.Globalization;

namespace VidSearch.Models.Onnx;

/// <summary>
/// How many intra-op threads an ONNX Runtime session gets when none is asked for. ONNX Runtime's own default (the
/// physical cores as it detects them) can be far off on virtual machines: on a 2-vCPU AMD EPYC VM it chose one thread,
/// and ViT-B/32 ran at 17 images/s instead of 30. So the default is set here: the physical cores Linux reports
/// (distinct package and core ids in /sys, SMT siblings counted once) among the CPUs this process may use, else the
/// logical processor count.
/// </summary>
public static class OnnxThreads
{
    private static readonly Lazy<int> Cores = new(() => PhysicalCores("/sys/devices/system/cpu", Environment.ProcessorCount));

    /// <summary>The default intra-op thread count (at least 1).</summary>
    public static int Default => Cores.Value;

    /// <summary>
    /// Distinct (physical_package_id, core_id) pairs of the online CPUs under <paramref name="cpuRoot"/>, at most
    /// <paramref name="processors"/> (what the process may use: affinity and CPU quota); <paramref name="processors"/>
    /// when the topology cannot be read.
    /// </summary>
    internal static int PhysicalCores(string cpuRoot, int processors)
    {
        processors = Math.Max(1, processors);
        try
        {
            var cores = new HashSet<(string Package, string Core)>();
            foreach (string cpu in Directory.EnumerateDirectories(cpuRoot, "cpu*"))
            {
                if (!int.TryParse(Path.GetFileName(cpu)[3..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }

                string online = Path.Combine(cpu, "online");
                if (File.Exists(online) && File.ReadAllText(online).Trim() == "0")
                {
                    continue;
                }

                string topology = Path.Combine(cpu, "topology");
                string core = Path.Combine(topology, "core_id"), package = Path.Combine(topology, "physical_package_id");
                if (!File.Exists(core) || !File.Exists(package))
                {
                    continue;
                }

                cores.Add((File.ReadAllText(package).Trim(), File.ReadAllText(core).Trim()));
            }

            return cores.Count == 0 ? processors : Math.Min(cores.Count, processors);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return processors;
        }
    }
}

using VidSearch.Models.Onnx;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Onnx;

/// <summary>The default ONNX Runtime thread count: physical cores from Linux's CPU topology, within what the process may use.</summary>
public class OnnxThreadsTests
{
    [Fact]
    public void Counts_each_physical_core_once_and_skips_offline_cpus()
    {
        using var temp = new TempDirectory();
        // Two packages of two cores, each with two SMT siblings (8 CPUs); cpu7 is offline; "cpufreq" is not a CPU.
        for (int cpu = 0; cpu < 8; cpu++)
        {
            Cpu(temp, cpu, package: cpu / 4, core: cpu % 2, online: cpu != 7);
        }

        Directory.CreateDirectory(temp.File("cpufreq"));
        Assert.Equal(4, OnnxThreads.PhysicalCores(temp.Path, 8));
        Assert.Equal(3, OnnxThreads.PhysicalCores(temp.Path, 3));

        // With cpu4 and cpu6 offline as well, package 1's core 0 has no CPU online left.
        File.WriteAllText(Path.Combine(temp.Path, "cpu4", "online"), "0\n");
        File.WriteAllText(Path.Combine(temp.Path, "cpu6", "online"), "0\n");
        Assert.Equal(3, OnnxThreads.PhysicalCores(temp.Path, 8));
    }

    [Fact]
    public void Two_cores_without_siblings_give_two_threads()
    {
        using var temp = new TempDirectory();
        Cpu(temp, 0, package: 0, core: 0, online: null);
        Cpu(temp, 1, package: 0, core: 1, online: true);
        Assert.Equal(2, OnnxThreads.PhysicalCores(temp.Path, 2));
    }

    [Fact]
    public void Without_a_readable_topology_the_processor_count_is_used()
    {
        using var temp = new TempDirectory();
        Assert.Equal(6, OnnxThreads.PhysicalCores(temp.Path, 6));
        Assert.Equal(6, OnnxThreads.PhysicalCores(temp.File("missing"), 6));
        Directory.CreateDirectory(temp.File("cpu0"));
        Assert.Equal(2, OnnxThreads.PhysicalCores(temp.Path, 2));
        Assert.Equal(1, OnnxThreads.PhysicalCores(temp.Path, 0));
    }

    [Fact]
    public void The_default_is_between_one_and_the_processor_count()
    {
        Assert.InRange(OnnxThreads.Default, 1, Environment.ProcessorCount);
        if (OperatingSystem.IsLinux() && File.Exists("/sys/devices/system/cpu/cpu0/topology/core_id"))
        {
            int distinct = Directory.GetDirectories("/sys/devices/system/cpu", "cpu*")
                .Where(d => int.TryParse(Path.GetFileName(d)[3..], out _) && File.Exists(Path.Combine(d, "topology", "core_id")))
                .Select(d => File.ReadAllText(Path.Combine(d, "topology", "physical_package_id")).Trim() + "/" + File.ReadAllText(Path.Combine(d, "topology", "core_id")).Trim())
                .Distinct().Count();
            Assert.Equal(Math.Min(distinct, Environment.ProcessorCount), OnnxThreads.Default);
        }
    }

    private static void Cpu(TempDirectory temp, int cpu, int package, int core, bool? online)
    {
        string topology = Path.Combine(temp.Path, $"cpu{cpu}", "topology");
        Directory.CreateDirectory(topology);
        File.WriteAllText(Path.Combine(topology, "physical_package_id"), $"{package}\n");
        File.WriteAllText(Path.Combine(topology, "core_id"), $"{core}\n");
        if (online is bool on)
        {
            File.WriteAllText(Path.Combine(temp.Path, $"cpu{cpu}", "online"), on ? "1\n" : "0\n");
        }
    }
}

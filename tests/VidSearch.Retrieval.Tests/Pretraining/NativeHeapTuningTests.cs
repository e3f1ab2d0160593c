using VidSearch.Retrieval.Pretraining;

namespace VidSearch.Retrieval.Tests.Pretraining;

public class NativeHeapTuningTests
{
    [Fact]
    public void Glibc_accepts_the_settings()
    {
        // mallopt refuses values out of its range (e.g. an mmap threshold above 32 MiB) by returning 0.
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeapTuning.KeepFreedMemory());
    }

    [Fact]
    public void Applying_twice_is_harmless()
    {
        NativeHeapTuning.KeepFreedMemory();
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeapTuning.KeepFreedMemory());
    }
}

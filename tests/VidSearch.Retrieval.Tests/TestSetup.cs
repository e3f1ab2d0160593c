using System.Runtime.CompilerServices;

// torch's random generator is process-wide: tests that seed it must not run concurrently.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace VidSearch.Retrieval.Tests;

internal static class TestSetup
{
    /// <summary>The test tensors are tiny: one intra-op thread avoids spin-waiting on a shared, busy machine.</summary>
    [ModuleInitializer]
    internal static void SingleThreadedTorch() => TorchSharp.torch.set_num_threads(1);
}

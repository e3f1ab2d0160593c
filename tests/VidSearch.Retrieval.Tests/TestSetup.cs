using System.Runtime.CompilerServices;

namespace VidSearch.Retrieval.Tests;

internal static class TestSetup
{
    /// <summary>The test tensors are tiny: one intra-op thread avoids spin-waiting on a shared, busy machine.</summary>
    [ModuleInitializer]
    internal static void SingleThreadedTorch() => TorchSharp.torch.set_num_threads(1);
}

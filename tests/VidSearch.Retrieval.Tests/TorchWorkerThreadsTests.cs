using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class TorchWorkerThreadsTests
{
    [Fact]
    public void Each_part_runs_on_its_own_thread_with_one_torch_thread_and_the_process_setting_stays()
    {
        int before = get_num_threads();
        using var workers = new TorchWorkerThreads(2);
        var seen = workers.Run(_ =>
        {
            using var sum = ones(256, 256).matmul(ones(256, 256)).sum();
            return (Thread: Environment.CurrentManagedThreadId, TorchThreads: get_num_threads(), Sum: sum.item<float>());
        });

        Assert.Equal(2, seen.Select(s => s.Thread).Distinct().Count());
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, seen.Select(s => s.Thread));
        Assert.All(seen, s => Assert.Equal(1, s.TorchThreads));
        Assert.All(seen, s => Assert.Equal(256f * 256 * 256, s.Sum));
        Assert.Equal(before, get_num_threads());

        int later = 0;
        var thread = new Thread(() => later = get_num_threads());
        thread.Start();
        thread.Join();
        Assert.Equal(before, later);
    }

    [Fact]
    public void A_failing_part_fails_the_run_and_the_workers_stay_usable()
    {
        using var workers = new TorchWorkerThreads(3);
        var error = Assert.Throws<InvalidOperationException>(() => workers.Run<int>(k => k == 1 ? throw new InvalidOperationException("part 1 failed") : k));
        Assert.Equal("part 1 failed", error.Message);
        Assert.Equal([0, 1, 2], workers.Run(k => k));
    }

    [Fact]
    public void Absurd_counts_are_clear_errors()
    {
        var error = Assert.Throws<VidSearch.Core.VidSearchException>(() => new TorchWorkerThreads(0));
        Assert.Contains("worker threads", error.Message);
    }
}

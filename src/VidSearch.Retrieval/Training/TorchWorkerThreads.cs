using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Training;

/// <summary>
/// Long-lived threads that each run torch work with one intra-op thread, for work cut into independent parts (e.g.
/// the shards of a batch): <see cref="Run{T}"/> gives part k to thread k and waits for all. libtorch's intra-op
/// threads (OpenMP) are set per thread; the creating thread and threads started later keep the process's setting.
/// Tensors a part creates belong to no dispose scope of the caller (scopes are per thread): a part detaches what it
/// returns from its own scope and the caller attaches it to one of its own.
/// </summary>
public sealed class TorchWorkerThreads : IDisposable
{
    private readonly Thread[] threads;
    private readonly BlockingCollection<Action>[] queues;
    private bool disposed;

    public TorchWorkerThreads(int count)
    {
        if (count is < 1 or > 256)
        {
            throw VidSearch.Core.VidSearchException.Argument("worker threads", $"must be in 1..256, got {count}");
        }

        // libtorch's set_num_threads also sets the default of threads that have not run torch work yet; the workers
        // set theirs first and the process-wide default is then put back as it was.
        int processThreads = get_num_threads();
        queues = new BlockingCollection<Action>[count];
        threads = new Thread[count];
        using var ready = new CountdownEvent(count);
        for (int k = 0; k < count; k++)
        {
            var queue = queues[k] = new BlockingCollection<Action>();
            threads[k] = new Thread(() => Work(queue, ready)) { IsBackground = true, Name = $"torch worker {k}" };
            threads[k].Start();
        }

        ready.Wait();
        set_num_threads(processThreads);
    }

    public int Count => threads.Length;

    /// <summary>Runs <paramref name="part"/>(k) on thread k for every k at once; rethrows the first part's failure.</summary>
    public T[] Run<T>(Func<int, T> part)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(part);
        var results = new T[threads.Length];
        var errors = new Exception?[threads.Length];
        using var done = new CountdownEvent(threads.Length);
        for (int k = 0; k < threads.Length; k++)
        {
            int index = k;
            queues[k].Add(() =>
            {
                try
                {
                    results[index] = part(index);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        done.Wait();
        var error = errors.FirstOrDefault(e => e is not null);
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return results;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var queue in queues)
        {
            queue.CompleteAdding();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        foreach (var queue in queues)
        {
            queue.Dispose();
        }
    }

    private static void Work(BlockingCollection<Action> queue, CountdownEvent ready)
    {
        _ = get_num_threads(); // the thread's lazy initialisation first, so that it does not undo the setting below
        set_num_threads(1);
        ready.Signal();
        foreach (var work in queue.GetConsumingEnumerable())
        {
            work();
        }
    }
}

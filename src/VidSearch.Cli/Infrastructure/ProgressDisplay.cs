using Spectre.Console;
using Spectre.Console.Rendering;
using VidSearch.Core;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// Shows library progress reports as Spectre.Console bars on stderr, with rate and ETA.
/// When stderr is not a terminal (scripts, CI) it prints nothing, so stdout stays clean.
/// </summary>
public static class ProgressDisplay
{
    private static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ProgressTask, string> Units = new();

    public static bool Enabled => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    /// <summary>Runs work that reports progress, showing one bar per task name.</summary>
    public static async Task<T> RunAsync<T>(Func<IProgress<WorkProgress>, Task<T>> work)
    {
        if (!Enabled)
        {
            return await work(new Progress<WorkProgress>(_ => { }));
        }

        T result = default!;
        await ErrorConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new CountColumn(),
                new RateColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var reporter = new SynchronousProgress(update =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(update.Task, out var task))
                        {
                            task = context.AddTask(Markup.Escape(update.Task), maxValue: update.Total ?? 100);
                            task.IsIndeterminate = update.Total is null;
                            tasks[update.Task] = task;
                        }

                        if (update.Total is long total)
                        {
                            task.MaxValue = Math.Max(total, 1);
                            task.IsIndeterminate = false;
                        }

                        Units.AddOrUpdate(task, update.Unit);
                        task.Value = update.Done;
                        if (update.Detail is not null)
                        {
                            task.Description = Markup.Escape($"{update.Task} {update.Detail}");
                        }
                    }
                });
                result = await work(reporter);
                lock (tasks)
                {
                    foreach (var task in tasks.Values.Where(t => !t.IsIndeterminate))
                    {
                        task.Value = task.MaxValue;
                    }

                    foreach (var task in tasks.Values)
                    {
                        task.StopTask();
                    }
                }
            });
        return result;
    }

    public static Task RunAsync(Func<IProgress<WorkProgress>, Task> work)
        => RunAsync<bool>(async p => { await work(p); return true; });

    /// <summary>Progress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }

    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            string unit = Units.TryGetValue(task, out var u) ? u : string.Empty;
            string total = task.IsIndeterminate ? "?" : $"{task.MaxValue:0}";
            return new Text($"{task.Value:0}/{total} {unit}", Style.Plain);
        }
    }

    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            string unit = Units.TryGetValue(task, out var u) ? u : string.Empty;
            return task.Speed is double speed
                ? new Text($"{speed:0.0} {unit}/s", new Style(Color.Grey))
                : new Text(string.Empty);
        }
    }
}

namespace VidSearch.Core;

/// <summary>
/// A progress report from a long-running loop. The library reports through <see cref="IProgress{T}"/>;
/// the CLI turns it into progress bars with rate and ETA.
/// </summary>
/// <param name="Task">What is being done, e.g. "decode video9770.mp4" or "index".</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all, when known.</param>
/// <param name="Unit">The unit counted: "frames", "videos", "files", "bytes", "steps".</param>
/// <param name="Detail">Optional extra text (a loss value, the current file).</param>
public readonly record struct WorkProgress(string Task, long Done, long? Total, string Unit, string? Detail = null);

using System.Diagnostics;
using VidSearch.Index.Storage;
using VidSearch.Index.Search;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Indexing;

/// <summary>Kills an indexing process with SIGKILL at random moments and checks the collection each time.</summary>
public sealed class CrashSafetyTests
{
    private const int VideoCount = 40;

    [Fact]
    public void Killing_the_indexer_repeatedly_leaves_a_consistent_collection_that_resumes()
    {
        using var dir = new TempDirectory();
        string videos = Path.Combine(dir.Path, "videos");
        Directory.CreateDirectory(videos);
        var random = new Random(11);
        for (int i = 0; i < VideoCount; i++)
        {
            var bytes = new byte[random.Next(100, 5000)];
            random.NextBytes(bytes);
            if (i % 10 == 7)
            {
                "BAD"u8.CopyTo(bytes);
            }

            File.WriteAllBytes(Path.Combine(videos, $"clip{i:D2}.mp4"), bytes);
        }

        string db = dir.File("c.db");
        string log = dir.File("embedded.log");
        int kills = 0;
        int previousDone = 0;
        while (kills < 6)
        {
            int target = previousDone + random.Next(1, 6);
            if (target >= VideoCount - 4)
            {
                break;
            }

            using var process = Start(db, videos, log, delayMs: 40);
            var deadline = Stopwatch.StartNew();
            while (EmbeddedCount(log) < target && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(2);
            }

            Thread.Sleep(random.Next(0, 40));
            Assert.False(process.HasExited, "the helper finished before it could be killed");
            process.Kill(); // SIGKILL on Linux
            process.WaitForExit();
            kills++;

            using var store = CollectionStore.Open(db);
            Assert.Empty(store.CheckConsistency());
            int done = store.Videos().Count;
            Assert.True(done >= previousDone, $"finished videos went from {previousDone} to {done}");
            previousDone = done;
            var segments = store.LoadSegments(SegmentKind.Segment);
            if (segments.Count > 0)
            {
                var hit = new ExactVectorIndex(segments.Vectors).Search(segments.Vectors.Get(0), 1)[0];
                Assert.Equal(0, hit.Position);
            }
        }

        Assert.True(kills >= 3, $"only {kills} kills happened");
        using (var finish = Start(db, videos, log, delayMs: 0))
        {
            Assert.True(finish.WaitForExit(60_000), "the resumed run did not finish");
            Assert.Equal(0, finish.ExitCode);
        }

        using (var store = CollectionStore.Open(db))
        {
            Assert.Empty(store.CheckConsistency());
            var all = store.Videos();
            Assert.Equal(VideoCount, all.Count);
            Assert.Equal(4, all.Count(v => v.Status == VideoStatus.Failed));
        }

        // Each kill loses at most the two videos being embedded; finished ones are never redone.
        var embedded = File.ReadAllLines(log);
        Assert.True(embedded.Length <= VideoCount + 2 * kills, $"{embedded.Length} embeddings for {VideoCount} videos and {kills} kills");
        int before = embedded.Length;
        using (var again = Start(db, videos, log, delayMs: 0))
        {
            again.WaitForExit(60_000);
        }

        Assert.Equal(before, File.ReadAllLines(log).Length);
    }

    private static int EmbeddedCount(string log)
    {
        try
        {
            return File.Exists(log) ? File.ReadAllLines(log).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Process Start(string db, string videos, string log, int delayMs)
    {
        string helper = Path.Combine(AppContext.BaseDirectory, "VidSearch.Index.CrashHelper");
        var info = new ProcessStartInfo(helper) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { db, videos, log, delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("cannot start the crash helper");
    }
}

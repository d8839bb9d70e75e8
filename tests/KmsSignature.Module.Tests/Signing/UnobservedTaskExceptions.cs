namespace KmsSignature.Module.Tests.Signing;

/// <summary>
/// Counts TaskScheduler.UnobservedTaskException events (what PowerShell and other hosts log as noise) raised for failed
/// tasks a command left behind. Tests run side by side in one process, so only events whose exceptions mention
/// <c>marker</c> (a key ARN, a file of the test's own) count.
/// </summary>
internal static class UnobservedTaskExceptions
{
    /// <summary>
    /// Runs <paramref name="run"/>, waits (up to 30 s) until <paramref name="settled"/> says the work it left in flight has
    /// ended, then collects garbage so that abandoned failed tasks are finalized, which is when the event is raised.
    /// </summary>
    public static async Task<int> CountAsync(string marker, Action run, Func<Task>? settled = null)
    {
        var count = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.ToString().Contains(marker, StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref count);
            }
        };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            run();
            if (settled is not null)
            {
                await settled().WaitAsync(TimeSpan.FromSeconds(30));
            }

            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }

        return count;
    }

    /// <summary>Completes once <paramref name="counter"/> (say, LocalKms's Sign count) has not changed for a second.</summary>
    public static async Task Quiet(Func<long> counter)
    {
        var last = counter();
        for (var quiet = 0; quiet < 4;)
        {
            await Task.Delay(250);
            var now = counter();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }
}

using KmsSignature.Core.Signing;

namespace KmsSignature.Core.Tests.Signing;

public sealed class OrderedWindowTests
{
    [Fact]
    public async Task RunAsync_yields_in_input_order_with_no_loss_or_duplicates_and_bounded_concurrency()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var results = new List<int>();
        await foreach (var value in OrderedWindow<int>.RunAsync(Enumerable.Range(0, 200), async (i, ct) =>
                       {
                           var now = Interlocked.Increment(ref inFlight);
                           InterlockedMax(ref maxInFlight, now);
                           await Task.Delay(Random.Shared.Next(0, 8), ct);
                           Interlocked.Decrement(ref inFlight);
                           return i;
                       }, 16))
        {
            results.Add(value);
        }

        Assert.Equal(Enumerable.Range(0, 200), results);
        Assert.InRange(maxInFlight, 2, 16);
    }

    // Results that hold something (a prepared signature file) must be released when the run drops them: those done at
    // once, those still running when they complete (after the run), and never failed or cancelled ones.
    [Fact]
    public async Task DropAll_releases_done_results_at_once_and_running_ones_when_they_complete()
    {
        var window = new OrderedWindow<string>(4);
        var running = new TaskCompletionSource<string>();
        window.Add(Task.FromResult("done"));
        window.Add(running.Task);
        window.Add(Task.FromException<string>(new InvalidOperationException()));
        window.Add(Task.FromCanceled<string>(new CancellationToken(canceled: true)));
        var released = new List<string>();
        var lateReleased = new TaskCompletionSource<string>();

        window.DropAll(result =>
        {
            if (result == "late")
            {
                lateReleased.SetResult(result);
            }
            else
            {
                released.Add(result);
            }
        });

        Assert.Equal(0, window.Count);
        Assert.Equal(["done"], released);
        running.SetResult("late");
        Assert.Equal("late", await lateReleased.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    // A run that ends early (Ctrl+C, a break downstream, -ErrorAction Stop) abandons its window with operations still
    // held: failed ones, and ones that fail afterwards. Those failures are dropped on purpose, not unobserved.
    [Fact]
    public void Failures_left_in_an_abandoned_window_are_not_unobserved_task_exceptions()
    {
        var marker = Guid.NewGuid().ToString();
        var unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> count = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x.Message == marker))
            {
                Interlocked.Increment(ref unobserved);
            }
        };
        TaskScheduler.UnobservedTaskException += count;
        try
        {
            // An operation still in flight fails after the window was abandoned (no local keeps it alive).
            FillAndAbandon(marker).SetException(new InvalidOperationException(marker));
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= count;
        }

        Assert.Equal(0, unobserved);
    }

    // Not inlined, so that nothing on the test's stack keeps the window or its tasks alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static TaskCompletionSource<int> FillAndAbandon(string marker)
    {
        var window = new OrderedWindow<int>(8, 4);
        var slowOldest = new TaskCompletionSource<int>();
        var failLater = new TaskCompletionSource<int>();
        window.Add(slowOldest.Task);
        window.Add(Task.FromException<int>(new InvalidOperationException(marker)));
        window.Add(Task.FromException<int>(new InvalidOperationException(marker)));
        window.Add(failLater.Task);
        Assert.False(window.TryTakeCompleted(out _)); // all behind the oldest, which never completes
        return failLater;
    }

    [Fact]
    public async Task A_failure_surfaces_at_its_turn()
    {
        var seen = new List<int>();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var value in OrderedWindow<int>.RunAsync(Enumerable.Range(0, 10),
                               (i, _) => i == 5 ? throw new InvalidOperationException("five") : Task.FromResult(i), 4))
            {
                seen.Add(value);
            }
        });
        Assert.Equal("five", ex.Message);
        Assert.Equal([0, 1, 2, 3, 4], seen);
    }

    [Fact]
    public async Task Window_refuses_more_than_its_capacity_and_hands_back_only_completed_heads()
    {
        var window = new OrderedWindow<int>(2);
        var slow = new TaskCompletionSource<int>();
        window.Add(slow.Task);
        window.Add(Task.FromResult(2));
        Assert.True(window.IsFull);
        Assert.Throws<InvalidOperationException>(() => window.Add(Task.FromResult(3)));
        Assert.False(window.TryTakeCompleted(out _)); // the head is not done, so the done second one waits its turn
        slow.SetResult(1);
        Assert.True(window.TryTakeCompleted(out var first));
        Assert.Equal(1, await first);
        Assert.True(window.TryTakeCompleted(out var second));
        Assert.Equal(2, await second);
    }

    [Fact]
    public async Task A_slow_oldest_call_does_not_stop_others_starting_while_the_reorder_buffer_has_room()
    {
        var window = new OrderedWindow<int>(capacity: 4, maxInFlight: 2);
        var slow = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fast = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        window.Add(slow.Task);
        window.Add(fast.Task);
        Assert.False(window.CanStart); // two running: the in-flight limit
        var canStart = window.WhenCanStart();
        Assert.False(canStart.IsCompleted);

        fast.SetResult(2);
        await canStart; // a slot freed although the oldest is still running
        Assert.True(window.CanStart);
        Assert.False(window.TryTakeCompleted(out _)); // ...and its result waits for the oldest

        window.Add(Task.FromResult(3));
        window.Add(Task.FromResult(4));
        Assert.True(window.IsFull); // the reorder buffer bounds what waits behind the oldest
        Assert.Same(slow.Task, window.WhenCanStart());

        slow.SetResult(1);
        var results = new List<int>();
        while (window.TryTakeCompleted(out var done))
        {
            results.Add(await done);
        }

        Assert.Equal([1, 2, 3, 4], results);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

using KmsSignature.Core.Signing;

namespace KmsSignature.Core.Tests.Signing;

public sealed class OrderedParallelRunnerTests
{
    [Fact]
    public void Outputs_come_in_input_order_whatever_order_the_work_finishes_in()
    {
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            // Early items take longest, so later batches finish first.
            Thread.SpinWait(i % 50 == 0 ? 200_000 : 10);
            return i * 2;
        }, workers: 3, batchSize: 4);
        var ready = new List<OrderedOutcome<int>>();
        for (var i = 0; i < 1000; i++)
        {
            runner.Add(i, ready);
        }

        runner.Complete(ready);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 2), ready.Select(o => o.Value));
        Assert.All(ready, o => Assert.Null(o.Error));
    }

    [Fact]
    public void A_failing_item_gives_its_exception_in_its_place_and_the_rest_still_run()
    {
        var runner = new OrderedParallelRunner<int, string>(i => i == 5 ? throw new InvalidOperationException("five") : i.ToString(), workers: 2, batchSize: 3);
        var ready = new List<OrderedOutcome<string>>();
        for (var i = 0; i < 10; i++)
        {
            runner.Add(i, ready);
        }

        runner.Complete(ready);

        Assert.Equal(10, ready.Count);
        Assert.Equal("five", Assert.IsType<InvalidOperationException>(ready[5].Error).Message);
        Assert.Equal(["0", "1", "2", "3", "4", null, "6", "7", "8", "9"], ready.Select(o => o.Value));
    }

    [Fact]
    public void An_item_that_failed_before_running_gives_its_error_after_the_items_added_before_it()
    {
        var runner = new OrderedParallelRunner<int, string>(i => i.ToString(), workers: 2, batchSize: 4);
        var ready = new List<OrderedOutcome<string>>();
        runner.Add(0, ready);
        runner.Add(1, ready);
        runner.AddFailed(new FormatException("not an item"), ready);
        runner.Add(3, ready);

        runner.Complete(ready);

        Assert.Equal(["0", "1", null, "3"], ready.Select(o => o.Value));
        Assert.Equal("not an item", Assert.IsType<FormatException>(ready[2].Error).Message);
        Assert.Equal(3, ready.Count(o => o.Error is null));
    }

    [Fact]
    public void Once_cancelled_items_not_yet_started_are_not_run()
    {
        using var cancel = new CancellationTokenSource();
        using var firstRunning = new ManualResetEventSlim(false);
        using var gate = new ManualResetEventSlim(false);
        var runs = 0;
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            Interlocked.Increment(ref runs);
            firstRunning.Set();
            Assert.True(gate.Wait(TimeSpan.FromSeconds(30)));
            return i;
        }, workers: 1, batchSize: 1, cancellationToken: cancel.Token);
        var ready = new List<OrderedOutcome<int>>();
        for (var i = 0; i < 4; i++)
        {
            runner.Add(i, ready); // one worker, a window of four: all four are queued behind the first
        }

        Assert.True(firstRunning.Wait(TimeSpan.FromSeconds(30)));
        cancel.Cancel();
        gate.Set();
        runner.Complete(ready);

        Assert.Equal(1, runs);
        Assert.Equal(0, ready[0].Value);
        Assert.All(ready.Skip(1), o => Assert.IsType<OperationCanceledException>(o.Error));
    }

    [Fact]
    public async Task Items_in_flight_stay_bounded_while_the_producer_does_not_collect()
    {
        var started = 0;
        using var gate = new ManualResetEventSlim(false);
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            Interlocked.Increment(ref started);
            gate.Wait();
            return i;
        }, workers: 2, batchSize: 1);
        var ready = new List<OrderedOutcome<int>>();
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                runner.Add(i, ready);
            }
        });

        await Task.Delay(300);
        // Window of workers × 4 = 8 batches: the producer blocks on the oldest instead of queueing all 100.
        Assert.False(producer.IsCompleted);
        Assert.True(Volatile.Read(ref started) <= 2, $"{started} items started with 2 workers");
        gate.Set();
        await producer;
        runner.Complete(ready);
        Assert.Equal(Enumerable.Range(0, 100), ready.Select(o => o.Value));
    }

    [Fact]
    public void While_the_producer_blocks_on_a_slow_item_it_is_called_back_on_its_own_thread_at_the_interval()
    {
        using var gate = new ManualResetEventSlim(false);
        var producerThread = Environment.CurrentManagedThreadId;
        var calls = new List<int>();
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            gate.Wait(); // until the producer has been called back three times (more if a pool thread starts late)
            return i;
        }, workers: 2, batchSize: 1, waiting: () =>
        {
            calls.Add(Environment.CurrentManagedThreadId);
            if (calls.Count == 3)
            {
                gate.Set();
            }
        }, waitingInterval: TimeSpan.FromMilliseconds(20));
        var ready = new List<OrderedOutcome<int>>();
        runner.Add(1, ready);
        runner.Add(2, ready);

        runner.Complete(ready);

        Assert.Equal([1, 2], ready.Select(o => o.Value));
        Assert.True(calls.Count >= 3, $"{calls.Count} calls");
        Assert.All(calls, id => Assert.Equal(producerThread, id));
    }

    [Fact]
    public void Slow_items_run_side_by_side_instead_of_waiting_in_one_batch()
    {
        // Each item waits (up to 30 s, where a hang would be forever) until both are running at once: with the two
        // in one batch on one worker, they could never meet.
        using var bothRunning = new CountdownEvent(2);
        var met = 0;
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            bothRunning.Signal();
            if (bothRunning.Wait(TimeSpan.FromSeconds(30)))
            {
                Interlocked.Increment(ref met);
            }

            return i;
        }, workers: 2, batchSize: 16);
        var ready = new List<OrderedOutcome<int>>();
        runner.Add(1, ready);
        runner.Add(2, ready);

        runner.Complete(ready);

        Assert.Equal([1, 2], ready.Select(o => o.Value));
        Assert.Equal(2, met);
    }

    [Fact]
    public void An_item_added_while_a_worker_is_free_runs_without_waiting_for_a_batch_to_fill()
    {
        // A slow input stream (a tail of a log, one token now and then): with two workers and one item at a time, one
        // worker is always free, so each item must run before the next comes, not wait for 64 of them.
        var ran = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            ran.Enqueue(i);
            return i;
        }, workers: 2, batchSize: 64);
        var ready = new List<OrderedOutcome<int>>();
        for (var i = 0; i < 10; i++)
        {
            runner.Add(i, ready);
            Assert.True(SpinWait.SpinUntil(() => ran.Count == i + 1, TimeSpan.FromSeconds(30)), $"item {i} waited for a batch to fill");
        }

        runner.Complete(ready);
        Assert.Equal(Enumerable.Range(0, 10), ready.Select(o => o.Value));
    }

    [Fact]
    public async Task Many_workers_hold_a_few_thousand_items_at_most_not_a_deep_window_of_full_batches()
    {
        // Cheap items first, so the runner knows they are cheap and sizes batches to the full batch size; then every item
        // blocks, and the producer adds until the window is full. With 64 workers and 64 items a batch, a window of
        // 4 batches per worker held 16,384 items (65,536 at -ThrottleLimit 256).
        const int Warm = 1000;
        using var gate = new ManualResetEventSlim(false);
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            if (i >= Warm && !gate.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException($"item {i} was never released");
            }

            return i;
        }, workers: 64, batchSize: 64);
        var ready = new List<OrderedOutcome<int>>();
        for (var i = 0; i < Warm; i++)
        {
            runner.Add(i, ready);
        }

        var added = Warm;
        var producer = Task.Run(() =>
        {
            for (var i = Warm; i < 200_000; i++)
            {
                runner.Add(i, ready);
                Volatile.Write(ref added, i + 1);
            }
        });
        // The producer blocks once the window is full: wait until it has stopped adding.
        int before;
        do
        {
            before = Volatile.Read(ref added);
            await Task.Delay(300);
        }
        while (Volatile.Read(ref added) != before && !producer.IsCompleted);

        var held = Volatile.Read(ref added) - Warm;
        gate.Set();
        await producer.WaitAsync(TimeSpan.FromSeconds(60));
        runner.Complete(ready);

        Assert.InRange(held, 1, 4096 + 64);
        Assert.Equal(Enumerable.Range(0, 200_000), ready.Select(o => o.Value));
    }

    [Fact]
    public void At_the_end_of_input_outputs_come_batch_by_batch_while_a_later_item_still_runs()
    {
        // Both items are held until the test lets them go, so both are still in the window when input ends.
        using var first = new ManualResetEventSlim(false);
        using var second = new ManualResetEventSlim(false);
        var runner = new OrderedParallelRunner<int, int>(i =>
        {
            if (!(i == 0 ? first : second).Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"item {i} was never released");
            }

            return i;
        }, workers: 2, batchSize: 1);
        var ready = new List<OrderedOutcome<int>>();
        runner.Add(0, ready);
        runner.Add(1, ready);
        Assert.Empty(ready);

        // Item 0 is handed out while item 1 still runs; Complete would block here until item 1 is done.
        first.Set();
        Assert.True(runner.CompleteNext(ready));
        Assert.Equal([0], ready.Select(o => o.Value));

        second.Set();
        Assert.True(runner.CompleteNext(ready));
        Assert.False(runner.CompleteNext(ready));
        Assert.Equal([0, 1], ready.Select(o => o.Value));
        Assert.All(ready, o => Assert.Null(o.Error));
    }

    [Fact]
    public void Worker_count_below_one_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OrderedParallelRunner<int, int>(i => i, workers: 0));

    // WaitOne(0) returns at once: a sub-millisecond interval had the producer call `waiting` in a loop instead of blocking.
    [Theory]
    [InlineData(0.5)]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_waiting_interval_under_a_millisecond_is_refused_when_made(double milliseconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new OrderedParallelRunner<int, int>(i => i, workers: 2, waiting: () => { }, waitingInterval: TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal("waitingInterval", error.ParamName);
    }
}

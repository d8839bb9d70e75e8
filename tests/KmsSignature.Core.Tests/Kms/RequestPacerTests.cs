using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>The Sign pacer on a manual clock: no sleeping, no timing assertions.</summary>
public sealed class RequestPacerTests
{
    private readonly ManualClock clock = new();

    [Fact]
    public void Unpaced_until_KMS_throttles()
    {
        var pacer = new RequestPacer(clock);
        for (var i = 0; i < 1000; i++)
        {
            var ticket = pacer.Reserve();
            Assert.Equal(TimeSpan.Zero, ticket.Delay);
            Assert.False(ticket.Limited);
            pacer.OnSuccess(ticket);
        }

        Assert.Null(pacer.Rate);
    }

    [Fact]
    public void The_first_throttle_paces_just_below_the_rate_calls_are_sent_at()
    {
        var pacer = new RequestPacer(clock);
        SucceedAt(pacer, perSecond: 1000, count: 100); // calls that succeeded before a pause must not drag the estimate down
        clock.Advance(TimeSpan.FromMilliseconds(800));

        ThrottleFirstOfRoundTrip(pacer, perSecond: 1000);

        Assert.Equal(RequestPacer.DecreaseFactor * 1000, pacer.Rate!.Value, 6);
    }

    // Another caller had emptied KMS's bucket: the first answers are throttles, with no success to measure a rate from.
    [Fact]
    public void A_throttle_before_any_success_paces_just_below_the_rate_calls_are_sent_at()
    {
        var pacer = new RequestPacer(clock);
        var inFlight = Enumerable.Range(0, 32).Select(_ => pacer.Reserve()).ToList();
        clock.Advance(TimeSpan.FromMilliseconds(20));

        Assert.True(pacer.OnThrottle(inFlight[0]));

        Assert.Equal(RequestPacer.DecreaseFactor * 32 / 0.020, pacer.Rate!.Value, 6);
    }

    [Fact]
    public void Throttles_of_calls_sent_before_or_just_after_a_cut_do_not_cut_again()
    {
        var pacer = new RequestPacer(clock);
        SucceedAt(pacer, perSecond: 1000, count: 200);
        var inFlight = Enumerable.Range(0, 32).Select(_ => pacer.Reserve()).ToList();

        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(pacer.OnThrottle(inFlight[0]));
        var afterFirstCut = pacer.Rate;
        Assert.All(inFlight.Skip(1), t => Assert.False(pacer.OnThrottle(t)));
        Assert.Equal(afterFirstCut, pacer.Rate);
        Assert.Equal(1, pacer.Cuts);

        // Just after the cut KMS's bucket is still empty: a bunched call may be throttled, and that is no news.
        var soon = pacer.Reserve();
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.False(pacer.OnThrottle(soon));

        // A call sent once the cut had time to work, still throttled, cuts again: to the factor times the rate
        // calls succeeded at since the cut (what KMS let through), here 100 in 290 ms.
        SucceedAt(pacer, perSecond: 400, count: 100);
        var later = pacer.Reserve();
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.True(pacer.OnThrottle(later));
        Assert.Equal(RequestPacer.DecreaseFactor * 100 / 0.290, pacer.Rate!.Value, 6);
        Assert.Equal(2, pacer.Cuts);
    }

    // Signing in batches: the time between them is not time KMS held calls back.
    [Fact]
    public void A_pause_between_calls_is_left_out_of_the_rate_calls_succeeded_at_since_the_cut()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 1250); // 1,000/s
        clock.Advance(TimeSpan.FromSeconds(1));
        SucceedAt(pacer, perSecond: 900, count: 900); // one busy second at 900/s
        clock.Advance(TimeSpan.FromSeconds(2)); // a pause, shorter than IdleReset: the rate is kept
        SucceedAt(pacer, perSecond: 900, count: 900);

        var throttled = pacer.Reserve();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(pacer.OnThrottle(throttled));

        // 1,800 successes over the 2 s of calls (900/s), not over the 5 s since the cut (360/s).
        Assert.InRange(pacer.Rate!.Value, RequestPacer.DecreaseFactor * 890, RequestPacer.DecreaseFactor * 910);
    }

    [Fact]
    public void Calls_mostly_throttled_right_after_a_cut_cut_again_at_once()
    {
        var pacer = new RequestPacer(clock);
        SucceedAt(pacer, perSecond: 2000, count: 100); // a burst drawn from KMS's bucket: the first cut is far too high
        pacer.OnThrottle(pacer.Reserve());
        var first = pacer.Rate!.Value;

        clock.Advance(TimeSpan.FromMilliseconds(5));
        var results = Enumerable.Range(0, 8).Select(_ => pacer.OnThrottle(pacer.Reserve())).ToList();

        Assert.Equal([false, false, false, false, false, false, false, true], results);
        Assert.Equal(first * 0.5, pacer.Rate!.Value, 6); // still coming down from the first estimate, with nothing let through: halved
    }

    // Once a cut has measured what KMS lets through, calls mostly throttled right after a later cut cut by the factor alone.
    [Fact]
    public void Calls_mostly_throttled_after_a_measured_cut_cut_by_the_factor()
    {
        var pacer = new RequestPacer(clock);
        SucceedAt(pacer, perSecond: 2000, count: 100);
        pacer.OnThrottle(pacer.Reserve());
        clock.Advance(RequestPacer.CutInterval);
        SucceedAt(pacer, perSecond: 1000, count: 100);
        Assert.True(pacer.OnThrottle(pacer.Reserve())); // measured
        var measured = pacer.Rate!.Value;

        clock.Advance(TimeSpan.FromMilliseconds(5));
        var results = Enumerable.Range(0, 8).Select(_ => pacer.OnThrottle(pacer.Reserve())).ToList();

        Assert.True(results[^1]);
        Assert.Equal(measured * RequestPacer.DecreaseFactor, pacer.Rate!.Value, 6);
    }

    [Fact]
    public void Paced_calls_are_spaced_at_the_rate_after_a_burst_allowance()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 125); // first cut -> 100/s, 10 ms apart
        Assert.Equal(100, pacer.Rate!.Value, 0);
        clock.Advance(TimeSpan.FromSeconds(1));

        var delays = Enumerable.Range(0, 20).Select(_ => pacer.Reserve().Delay).ToList();

        // Slots 10 ms apart; the first 50 ms of them go at once, the rest wait for their slot.
        Assert.All(delays.Take(6), d => Assert.Equal(TimeSpan.Zero, d));
        Assert.Equal(TimeSpan.FromMilliseconds(10), delays[6]);
        Assert.Equal(TimeSpan.FromMilliseconds(140), delays[19]);
    }

    [Fact]
    public void Successes_raise_the_rate_only_while_pacing_holds_calls_back()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 1250);
        var cut = pacer.Rate!.Value; // 1,000/s

        // Demand below the rate: nothing waits, the rate stays (it would otherwise climb far past the quota unseen).
        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            pacer.OnSuccess(pacer.Reserve());
        }

        Assert.Equal(cut, pacer.Rate!.Value);

        // Demand above the rate for one second's worth of calls: about IncreasePerSecond × the cut rate more.
        for (var i = 0; i < 1000; i++)
        {
            var ticket = pacer.Reserve();
            Assert.True(ticket.Limited || i == 0);
            pacer.OnSuccess(ticket);
        }

        Assert.InRange(pacer.Rate!.Value, cut * (1 + (RequestPacer.IncreasePerSecond * 0.9)), cut * (1 + (RequestPacer.IncreasePerSecond * 1.1)));
    }

    // 256 callers at a few calls a second: sent at the times they reserved, calls waiting would keep the rate of that
    // moment for a minute. They keep their places in line instead, and their times follow the rate.
    [Fact]
    public void Calls_waiting_keep_their_order_and_follow_a_raised_rate()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 12.5); // 10/s
        clock.Advance(TimeSpan.FromSeconds(1));
        var waiting = Enumerable.Range(0, 256).Select(_ => pacer.Reserve()).ToList();
        Assert.InRange(waiting[^1].Delay, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(26)); // 255 places at 10/s

        SucceedAt(pacer, perSecond: 1000, count: 1000); // a second of successes, all held back by pacing: the rate rises
        var raised = pacer.Rate!.Value;
        Assert.True(raised > 20);

        var rechecked = waiting.Select(pacer.Recheck).ToList();
        var expected = ((255 - (10 * 1.0)) / raised) - RequestPacer.Tolerance.TotalSeconds; // 10 places went by in that second
        Assert.InRange(rechecked[^1].Delay.TotalSeconds, expected - 0.5, expected + 0.5);
        Assert.Equal(rechecked.OrderBy(t => t.Sent), rechecked); // still in line
    }

    // Calls waiting at a cut were timed at the old rate: sent then, they keep KMS's bucket empty and their throttles
    // read as news, and with many callers that cut a small share again and again.
    [Fact]
    public void A_cut_times_the_calls_waiting_at_the_new_rate()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 1250); // 1,000/s
        clock.Advance(TimeSpan.FromSeconds(1));
        var waiting = Enumerable.Range(0, 100).Select(_ => pacer.Reserve()).ToList(); // up to 100 ms ahead
        clock.Advance(TimeSpan.FromMilliseconds(20));
        SucceedAt(pacer, perSecond: 1000, count: 50);
        Assert.True(pacer.OnThrottle(pacer.Reserve()));
        var cut = pacer.Rate!.Value;
        Assert.True(cut < 1000);

        var rechecked = waiting.Select(pacer.Recheck).ToList();
        var last = rechecked[^1].Delay.TotalSeconds + RequestPacer.Tolerance.TotalSeconds;
        var first = rechecked.First(t => t.Delay > TimeSpan.Zero).Delay.TotalSeconds + RequestPacer.Tolerance.TotalSeconds;
        Assert.InRange((last - first) * cut, rechecked.Count(t => t.Delay > TimeSpan.Zero) - 2, rechecked.Count(t => t.Delay > TimeSpan.Zero));
    }

    [Fact]
    public void An_idle_pause_forgets_the_rate()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 1000);
        clock.Advance(RequestPacer.IdleReset - TimeSpan.FromSeconds(1));
        pacer.Reserve();
        Assert.Equal(RequestPacer.DecreaseFactor * 1000, pacer.Rate!.Value, 0); // the cut rate, kept through a shorter pause

        clock.Advance(RequestPacer.IdleReset + TimeSpan.FromSeconds(1));
        var ticket = pacer.Reserve();

        Assert.Null(pacer.Rate);
        Assert.Equal(TimeSpan.Zero, ticket.Delay);
    }

    // At the end of a run only throttled calls reserve again: a retry more than IdleReset after the last reservation,
    // with calls still waiting their turn, is no pause. Forgetting the rate then sent the whole line at once.
    [Fact]
    public void Calls_still_waiting_keep_the_rate_however_long_since_the_last_reservation()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 25); // 20/s
        clock.Advance(TimeSpan.FromSeconds(1));
        var waiting = Enumerable.Range(0, 256).Select(_ => pacer.Reserve()).ToList(); // 12.8 s of places
        clock.Advance(RequestPacer.IdleReset + TimeSpan.FromSeconds(1));

        var retry = pacer.Reserve();

        Assert.Equal(RequestPacer.DecreaseFactor * 25, pacer.Rate!.Value, 6);
        Assert.True(retry.Delay > TimeSpan.FromSeconds(6), retry.Delay.ToString()); // behind the line
        var rechecked = waiting.Select(pacer.Recheck).ToList();
        Assert.Equal(rechecked.OrderBy(t => t.Sent), rechecked);
        Assert.InRange(rechecked.Count(t => t.Delay == TimeSpan.Zero), 120, 125); // 6 s at 20/s went, plus the burst allowance
    }

    [Fact]
    public void The_rate_never_falls_below_the_minimum()
    {
        var pacer = new RequestPacer(clock);
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            pacer.OnThrottle(pacer.Reserve());
        }

        Assert.Equal(RequestPacer.MinimumRate, pacer.Rate);
    }

    [Fact]
    public async Task Waiting_for_a_slot_stops_at_once_when_cancelled()
    {
        var pacer = new RequestPacer(); // real clock: the wait must end by cancellation, not by time
        Assert.True(pacer.OnThrottle(pacer.Reserve()));
        for (var i = 0; i < 100_000; i++)
        {
            pacer.Reserve(); // queue the next slots far into the future
        }

        Assert.True(pacer.Reserve().Delay > TimeSpan.FromMinutes(1));

        using var cancel = new CancellationTokenSource();
        var wait = pacer.WaitAsync(cancel.Token);
        Assert.False(wait.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    // Stopped with many calls waiting, a run leaves their places in line: the next run in the same session (within
    // IdleReset) must not wait them out. The calls wait on a real timer, so they end by cancellation, not by time.
    [Fact]
    public async Task Calls_that_stop_waiting_give_their_places_to_the_calls_behind_them()
    {
        var pacer = new RequestPacer(clock);
        ThrottleFirstOfRoundTrip(pacer, perSecond: 12.5); // 10/s
        clock.Advance(TimeSpan.FromSeconds(1));
        using var cancel = new CancellationTokenSource();
        var waits = Enumerable.Range(0, 100).Select(_ => pacer.WaitAsync(cancel.Token)).ToList();
        var sent = waits.Count(w => w.IsCompletedSuccessfully);
        Assert.InRange(sent, 1, 2); // the burst allowance; the rest wait up to 10 s

        cancel.Cancel();
        foreach (var wait in waits.Where(w => !w.IsCompletedSuccessfully))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        }

        // Next in line after the calls that were sent, not after the 100 places reserved.
        var next = pacer.Reserve();
        Assert.InRange(next.Delay.TotalSeconds, 0, (sent / pacer.Rate!.Value) - RequestPacer.Tolerance.TotalSeconds + 0.001);
    }

    // Task.Delay counts whole milliseconds: a call 0.4 ms from its place waited Task.Delay(0.4 ms), which completes at once,
    // and asked again, hundreds of thousands of times, on the caller's thread (the pipeline thread, for a call's first wait).
    [Fact]
    public async Task A_call_less_than_a_millisecond_from_its_place_goes_at_once_without_spinning()
    {
        var pacer = new RequestPacer(clock);
        ComeBackBeforeTheNextPlace(pacer, TimeSpan.FromMilliseconds(0.4));
        clock.MaxReads = clock.Reads + 100;

        var wait = pacer.WaitAsync(CancellationToken.None);

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.InRange((await wait).Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(0.4));
    }

    // 1.4 ms away, a call sleeps (Task.Delay's 1 ms) and wakes 0.4 ms early: that remainder was the spin above. On a frozen
    // clock it sleeps on, reading the clock about once a millisecond, until the clock moves.
    [Fact]
    public async Task A_call_that_wakes_less_than_a_millisecond_early_goes_without_spinning()
    {
        var pacer = new RequestPacer(clock);
        ComeBackBeforeTheNextPlace(pacer, TimeSpan.FromMilliseconds(1.4));
        var reads = clock.Reads;
        clock.MaxReads = reads + 10_000;

        var wait = pacer.WaitAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);
        Assert.InRange(clock.Reads - reads, 1, 1_000);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var sent = await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(sent.Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(0.4));
    }

    [Theory]
    [InlineData(0.0001, 0)]
    [InlineData(0.999, 0)]
    [InlineData(1, 1)]
    [InlineData(7.25, 7.25)]
    [InlineData(60_000, 1000)] // at most Horizon, so a raised rate reaches the calls already waiting
    public void A_waiting_call_sleeps_its_delay_up_to_the_horizon_and_goes_within_a_millisecond(double delayMs, double sleepMs)
    {
        var ticket = new PacerTicket(0, TimeSpan.FromMilliseconds(delayMs), Limited: true, Place: 1);
        Assert.Equal(TimeSpan.FromMilliseconds(sleepMs), RequestPacer.SleepFor(ticket));
    }

    // Paced at 10/s (places 100 ms apart): moves the clock to `early` before the next free place.
    private void ComeBackBeforeTheNextPlace(RequestPacer pacer, TimeSpan early)
    {
        ThrottleFirstOfRoundTrip(pacer, perSecond: 12.5);
        var ticket = pacer.Reserve();
        while (ticket.Delay == TimeSpan.Zero)
        {
            ticket = pacer.Reserve();
        }

        clock.Advance(ticket.Delay + TimeSpan.FromMilliseconds(100) - early);
    }

    // Calls sent at the given rate for a round trip of 100 ms, when the first of them comes back throttled: the first cut.
    private void ThrottleFirstOfRoundTrip(RequestPacer pacer, double perSecond)
    {
        var first = pacer.Reserve();
        for (var i = 1; i < perSecond * 0.1; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1 / perSecond));
            pacer.Reserve();
        }

        clock.Advance(TimeSpan.FromSeconds(1 / perSecond));
        Assert.True(pacer.OnThrottle(first));
    }

    private void SucceedAt(RequestPacer pacer, double perSecond, int count)
    {
        for (var i = 0; i < count; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1 / perSecond));
            pacer.OnSuccess(pacer.Reserve());
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long now = 1_000_000_000;
        private long reads;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        /// <summary>Reads past this fail the read: a spin on a frozen clock ends the test instead of hanging it.</summary>
        public long MaxReads { get; set; } = long.MaxValue;

        public long Reads => Interlocked.Read(ref reads);

        // Read from timer threads while the test advances it.
        public override long GetTimestamp() => Interlocked.Increment(ref reads) > MaxReads
            ? throw new InvalidOperationException("The clock was read more often than the test allows without moving: a busy wait.")
            : Interlocked.Read(ref now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref now, by.Ticks);
    }
}

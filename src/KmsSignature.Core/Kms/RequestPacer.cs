namespace KmsSignature.Core.Kms;

/// <summary>
/// Paces one connection's KMS Sign calls to the request quota they share, learned from KMS's own throttling:
/// additive increase, multiplicative decrease (AIMD, the rule TCP uses to share a link). KMS quotas are per
/// account and Region in requests per second (1,000–2,000+ for Sign, shared with other callers and with Verify),
/// so the pacer is a rate limiter, not a concurrency limit, and it is per connection (one set of credentials in one Region).
/// <list type="bullet">
/// <item>Unpaced until KMS first throttles: a caller far below its quota pays nothing.</item>
/// <item>A throttle sets the rate to <see cref="DecreaseFactor"/> × the rate calls have been succeeding at since the
/// last cut, leaving out pauses (between batches a caller has nothing to send; counted, they read as a low quota).
/// The first throttle has no such measure: it takes the rate calls are being sent at (those sent during the throttled
/// call's round trip), which is too high, never too low. Too high is corrected within moments by the cuts that
/// follow; too low is not, as the rate then climbs back slowly (a first cut from the successes before it read a few
/// calls a second when another caller had emptied KMS's bucket, or after an idle pause). It never rises at a cut.
/// Throttles of calls sent before the last cut (sent: at most <see cref="Tolerance"/> before their slot) do not cut
/// again, nor do a few within <see cref="CutInterval"/> after it: KMS's bucket is empty at a cut and refills only at
/// the quota minus our new rate, so calls that arrive bunched (timers, the network) are still throttled for a moment,
/// and counting each as news would drive the rate to the floor. Calls mostly throttled right after a cut cut again
/// at once (while still coming down from the first estimate: by half, but not below what KMS has let through since
/// that first throttle).</item>
/// <item>While the pacer is what holds calls back, each success raises the rate, by
/// <see cref="IncreasePerSecond"/> of the rate (at least the rate at the last cut) per second: back at the quota
/// within a few seconds, then probing above it until KMS throttles again. KMS's bucket holds a second of quota, so this
/// sawtooth keeps the calls that succeed at about the quota rather than at its average.</item>
/// <item>After <see cref="IdleReset"/> without calls (none reserved, none waiting) the pacer forgets the rate: whoever shared the quota then may be
/// gone, and a long-lived session should not stay slow because of one busy moment.</item>
/// </list>
/// Calls are spaced by the virtual-scheduling rule (GCRA), counted in places rather than times: each reservation takes
/// the next place in line, and a place comes when the rate has let the ones before it go; a call waits only when its place
/// is more than <see cref="Tolerance"/> ahead, which also keeps coarse timers (15.6 ms on Windows) from costing rate. A
/// waiting call asks again (<see cref="Recheck"/>) when its time comes and at least every <see cref="Horizon"/>, so the
/// calls already waiting follow the rate in their order: sent at the times reserved (256 callers at 3 calls/s hold
/// 85 s of them), they kept the rate of the moment they were reserved after a raise, and after a cut kept KMS's bucket
/// empty and read as news, so a small share with many callers got 2–4 calls/s of 20. A cut clears the burst allowance
/// (the bucket it would draw on is empty). Thread-safe; one instance lives as long as its connection.
/// </summary>
public sealed class RequestPacer
{
    /// <summary>The rate after a throttle, as a fraction of the rate calls were succeeding at.</summary>
    public const double DecreaseFactor = 0.8;

    /// <summary>Rate regained per second while pacing limits, as a fraction of the rate at the last cut.</summary>
    public const double IncreasePerSecond = 0.1;

    /// <summary>The rate never drops below this (requests per second), so a caller always makes progress.</summary>
    public const double MinimumRate = 1;

    /// <summary>How far ahead of now a slot may be and still go at once (a burst allowance).</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>A waiting call asks again at least this often, so a raised rate reaches the calls already waiting.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromSeconds(1);

    /// <summary>A pause without calls this long returns the pacer to unpaced.</summary>
    public static readonly TimeSpan IdleReset = TimeSpan.FromSeconds(5);

    /// <summary>A gap between calls this long is a pause (nothing to send), left out of the rate since the last cut.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    /// <summary>After a cut, throttles of calls sent within this long do not cut again.</summary>
    public static readonly TimeSpan CutInterval = TimeSpan.FromMilliseconds(250);

    // Within CutInterval of a cut, this many throttles, outnumbering the successes, are news after all.
    private const int MostlyThrottled = 8;

    // The send times of the last calls, for the rate calls are sent at when the first throttle comes (4,096 over a
    // round trip of a second still reads above any Sign quota).
    private const int SendSamples = 4096;

    // Mostly-throttled cuts while still coming down from the first estimate halve the rate (AIMD's usual decrease).
    private const double DescentFactor = 0.5;

    // The increase never scales from less than this rate, so recovering from a very low cut does not crawl.
    private const double MinimumIncreaseBasis = 10;

    private readonly object gate = new();
    private readonly TimeProvider time;
    private double? rate;
    private bool descending;
    private long descentStart;
    private long successesSinceDescent;
    private double rateAtCut;
    // Places in line (the i-th call paced since the first throttle): `passed` is how many places the rate has let go by
    // `passedAt`; a call goes when the rate passes its place. A place rather than a time keeps calls waiting in order
    // while their times follow the rate.
    private double passed;
    private long passedAt;
    private double nextPlace;
    private long lastCut = long.MinValue;
    private long successesSinceCut;
    private long throttlesSinceCut;
    private long pausedSinceCut;
    private long lastReserve;
    private readonly long[] sends = new long[SendSamples];
    private long sendCount;

    public RequestPacer(TimeProvider? timeProvider = null)
    {
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The current rate in requests per second, or null while unpaced (KMS has not throttled yet).</summary>
    public double? Rate
    {
        get
        {
            lock (gate)
            {
                return rate;
            }
        }
    }

    /// <summary>Throttles that cut the rate (the others were calls already sent before a cut).</summary>
    public int Cuts { get; private set; }

    /// <summary>Takes the next place in line; the caller waits <see cref="PacerTicket.Delay"/>, then asks <see cref="Recheck"/>.</summary>
    public PacerTicket Reserve()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (rate is not null && now - lastReserve > ToTicks(IdleReset.TotalSeconds) && !WaitingAt(now))
            {
                rate = null;
            }
            else if (rate is not null && now - Math.Max(lastReserve, lastCut) > ToTicks(Pause.TotalSeconds))
            {
                pausedSinceCut += now - Math.Max(lastReserve, lastCut);
            }

            lastReserve = now;
            if (rate is not { } current)
            {
                sends[(int)(sendCount++ % SendSamples)] = now;
                return new PacerTicket(now, TimeSpan.Zero, Limited: false, Place: 0);
            }

            Advance(now);
            var place = Math.Max(nextPlace, passed);
            nextPlace = place + 1;
            var ticket = TicketFor(place, current, now);
            sends[(int)(sendCount++ % SendSamples)] = ticket.Sent;
            return ticket with { Limited = place > passed };
        }
    }

    /// <summary>
    /// The ticket again once its wait is over, timed at the rate now: a Delay of zero means send now, else wait again.
    /// The rate may have moved since the ticket was reserved, cut (its place comes later) or raised (sooner).
    /// </summary>
    public PacerTicket Recheck(PacerTicket ticket)
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (rate is not { } current)
            {
                return ticket with { Sent = now, Delay = TimeSpan.Zero };
            }

            Advance(now);
            return TicketFor(ticket.Place, current, now) with { Limited = ticket.Limited };
        }
    }

    /// <summary>Reserves a place in line and waits for it, following the rate while it waits (cancellable).</summary>
    public async Task<PacerTicket> WaitAsync(CancellationToken cancellationToken)
    {
        var ticket = Reserve();
        try
        {
            for (var sleep = SleepFor(ticket); sleep > TimeSpan.Zero; sleep = SleepFor(ticket))
            {
                await Task.Delay(sleep, time, cancellationToken).ConfigureAwait(false);
                ticket = Recheck(ticket);
            }
        }
        catch (OperationCanceledException)
        {
            Leave();
            throw;
        }

        return ticket;
    }

    /// <summary>
    /// How long a call holding this ticket sleeps before it asks again: its delay, at most <see cref="Horizon"/> (so a raised
    /// rate reaches the calls already waiting); zero, go now, for less than a millisecond. Task.Delay counts whole
    /// milliseconds and completes at once for less, so a call 0.4 ms from its place asked again at once, hundreds of thousands
    /// of times: a spin on the caller's thread (the pipeline thread, for a call's first wait) that held bulk signing at
    /// 20–45 % of the quota on a 2-core host. A millisecond early is well inside <see cref="Tolerance"/>.
    /// </summary>
    public static TimeSpan SleepFor(PacerTicket ticket) =>
        ticket.Delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.Zero : ticket.Delay < Horizon ? ticket.Delay : Horizon;

    // A call that stops waiting is never sent, so the line moves up a place: its place kept, a run stopped with many calls
    // waiting and started again within IdleReset waited out every abandoned place first (1,024 at 1/s: 17 min). Not by
    // its own place: the ones given back before it have moved the line, so its place may read as passed. Never past the
    // end of the line, which would be a burst allowance.
    private void Leave()
    {
        lock (gate)
        {
            if (rate is not null)
            {
                Advance(time.GetTimestamp());
                passed = Math.Max(passed, Math.Min(passed + 1, nextPlace));
            }
        }
    }

    /// <summary>KMS did not throttle the call sent with this ticket: it succeeded, or failed otherwise (a server fault, a lost connection).</summary>
    public void OnSuccess(PacerTicket ticket)
    {
        lock (gate)
        {
            successesSinceCut++;
            successesSinceDescent++;
            if (ticket.Limited && rate is { } current)
            {
                // Each success adds basis·k/rate, so at `rate` successes a second the rate grows by basis·k per second.
                var basis = Math.Max(Math.Max(rateAtCut, current), MinimumIncreaseBasis);
                Advance(time.GetTimestamp());
                rate = current + (IncreasePerSecond * basis / current);
            }
        }
    }

    /// <summary>KMS throttled the call sent with this ticket. Returns true when this throttle cut the rate.</summary>
    public bool OnThrottle(PacerTicket ticket)
    {
        lock (gate)
        {
            if (ticket.Sent < lastCut)
            {
                return false;
            }

            var now = time.GetTimestamp();
            var sinceCut = rate is null ? TimeSpan.MaxValue : time.GetElapsedTime(lastCut, now);
            throttlesSinceCut++;
            var quiet = rate is not null && sinceCut < CutInterval;
            if (quiet && (throttlesSinceCut < MostlyThrottled || throttlesSinceCut <= successesSinceCut))
            {
                return false;
            }

            // Mostly throttled right after a cut: the rate is still far too high (the first estimate is the rate calls were
            // sent at, and before that KMS's burst may have let them all through), so cut again at once, by the factor alone.
            var succeeding = rate is not { } current ? SendingRate(ticket.Sent, now)
                : quiet ? current
                : Math.Min(current, successesSinceCut / Math.Max((sinceCut - time.GetElapsedTime(0, pausedSinceCut)).TotalSeconds, 0.001));
            var cut = DecreaseFactor * succeeding;
            if (rate is null)
            {
                descending = true;
                descentStart = now;
                successesSinceDescent = 0;
            }
            else if (descending && quiet)
            {
                // Still coming down from the first estimate, which read the calls in flight over one round trip (as much as
                // concurrency / the shortest round trip): by the factor alone that took 20–30 cuts, one per round trip, to a
                // small share, and a call could be throttled 32 times in a row. Halve instead, but not below what KMS has let
                // through since the first throttle (we have been sending more than that all along).
                var letThrough = successesSinceDescent / Math.Max(time.GetElapsedTime(descentStart, now).TotalSeconds, 0.001);
                cut = Math.Min(cut, Math.Max(DescentFactor * succeeding, DecreaseFactor * letThrough));
            }
            else
            {
                descending = false;
            }

            if (rate is null)
            {
                passed = nextPlace;
            }

            Advance(now);
            rate = rateAtCut = Math.Max(MinimumRate, cut);
            lastCut = now;
            successesSinceCut = 0;
            throttlesSinceCut = 0;
            pausedSinceCut = 0;
            // The burst allowance is gone (KMS's bucket is empty); calls waiting keep their places, timed at the new rate.
            passed = Math.Min(passed, Math.Max(nextPlace, passed) - (Tolerance.TotalSeconds * rate.Value));
            Cuts++;
            return true;
        }
    }

    // Calls sent per second since the throttled one was sent: the calls in flight over its round trip.
    private double SendingRate(long since, long now)
    {
        var sent = 0;
        for (var i = 1; i <= Math.Min(sendCount, SendSamples) && sends[(int)((sendCount - i) % SendSamples)] >= since; i++)
        {
            sent++;
        }

        return Math.Max(sent, 1) / Math.Max(time.GetElapsedTime(since, now).TotalSeconds, 0.001);
    }

    // Calls still wait their turn, or the last of them went less than IdleReset ago: no pause, however long since the last
    // reservation (at the end of a run only retries reserve, and forgetting the rate let the whole line go at once).
    private bool WaitingAt(long now)
    {
        Advance(now);
        return (passed - nextPlace) / rate!.Value < IdleReset.TotalSeconds;
    }

    // Moves `passed` on to now at the current rate; called before the rate changes.
    private void Advance(long now)
    {
        if (rate is { } current)
        {
            passed += current * time.GetElapsedTime(passedAt, now).TotalSeconds;
        }

        passedAt = now;
    }

    // A place up to the tolerance ahead goes at once: the call is sent then, not at its time.
    private PacerTicket TicketFor(double place, double current, long now)
    {
        var sent = now + Math.Max(0, (long)Math.Round((((place - passed) / current) - Tolerance.TotalSeconds) * time.TimestampFrequency));
        return new PacerTicket(sent, time.GetElapsedTime(now, sent), Limited: true, place);
    }

    private long ToTicks(double seconds) => (long)(seconds * time.TimestampFrequency);
}

/// <summary>
/// A place in line: when the call goes out (timestamp), how long to wait for that, whether pacing held it back, and its
/// place (see <see cref="RequestPacer.Recheck"/>).
/// </summary>
public readonly record struct PacerTicket(long Sent, TimeSpan Delay, bool Limited, double Place);

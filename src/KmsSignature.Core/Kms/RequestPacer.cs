namespace KmsSignature.Core.Kms;

/// <summary>
/// Paces one connection's KMS Sign calls to the request quota they share, learned from KMS's own throttling:
/// additive increase, multiplicative decrease (AIMD, the rule TCP uses to share a link). KMS quotas are per
/// account and Region in requests per second (1,000–2,000+ for Sign, shared with other callers and with Verify),
/// so the pacer is a rate limiter, not a concurrency limit, and it is per connection (one set of credentials in one Region).
/// <list type="bullet">
/// <item>Unpaced until KMS first throttles: a caller far below its quota pays nothing.</item>
/// <item>The first throttle starts pacing at <see cref="DecreaseFactor"/> × the rate calls were just succeeding at
/// (about the quota share left to us, since KMS throttles once its bucket is empty); each later throttle cuts the
/// rate by that factor. Throttles of calls sent before the last cut are old news and do not cut again, so one
/// burst of throttled in-flight calls costs one cut.</item>
/// <item>While the pacer is what holds calls back, each success raises the rate, by
/// <see cref="IncreasePerSecond"/> of the rate at the last cut per second: back at the quota within a few
/// seconds, then probing above it until KMS throttles again. KMS's bucket holds a second of quota, so this
/// sawtooth keeps the calls that succeed at about the quota rather than at its average.</item>
/// </list>
/// Calls are spaced by the virtual-scheduling rule (GCRA): each reservation takes the next slot at the current
/// rate; a call waits only when its slot is more than <see cref="Tolerance"/> ahead, which also keeps coarse
/// timers (15.6 ms on Windows) from costing rate. Thread-safe; one instance lives as long as its connection.
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

    // The first cut measures the success rate over the last second's successes (at most this many of them), as a
    // rate while busy: an idle pause before a burst does not count, or a throttle early in a run would start tiny.
    private const int SuccessSamples = 64;

    // The increase never scales from less than this rate, so recovering from a very low cut does not crawl.
    private const double MinimumIncreaseBasis = 10;

    private readonly object gate = new();
    private readonly TimeProvider time;
    private readonly long toleranceTicks;
    private double? rate;
    private double rateAtCut;
    private long nextSlot;
    private long lastCut = long.MinValue;
    private readonly long[] successes = new long[SuccessSamples];
    private long successCount;

    public RequestPacer(TimeProvider? timeProvider = null)
    {
        time = timeProvider ?? TimeProvider.System;
        toleranceTicks = ToTicks(Tolerance.TotalSeconds);
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

    /// <summary>Takes the next send slot; the caller waits <see cref="PacerTicket.Delay"/> before sending.</summary>
    public PacerTicket Reserve()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (rate is not { } current)
            {
                return new PacerTicket(now, TimeSpan.Zero, Limited: false);
            }

            var slot = Math.Max(nextSlot, now);
            nextSlot = slot + ToTicks(1 / current);
            var wait = slot - now - toleranceTicks;
            return new PacerTicket(slot, wait > 0 ? time.GetElapsedTime(0, wait) : TimeSpan.Zero, Limited: slot > now);
        }
    }

    /// <summary>Reserves a slot and waits for it (cancellable).</summary>
    public async Task<PacerTicket> WaitAsync(CancellationToken cancellationToken)
    {
        var ticket = Reserve();
        if (ticket.Delay > TimeSpan.Zero)
        {
            await Task.Delay(ticket.Delay, time, cancellationToken).ConfigureAwait(false);
        }

        return ticket;
    }

    /// <summary>The call sent with this ticket succeeded.</summary>
    public void OnSuccess(PacerTicket ticket)
    {
        lock (gate)
        {
            successes[(int)(successCount++ % SuccessSamples)] = time.GetTimestamp();
            if (ticket.Limited && rate is { } current)
            {
                // Each success adds basis·k/rate, so at `rate` successes a second the rate grows by basis·k per second.
                rate = current + (IncreasePerSecond * Math.Max(rateAtCut, MinimumIncreaseBasis) / current);
            }
        }
    }

    /// <summary>KMS throttled the call sent with this ticket. Returns true when this throttle cut the rate.</summary>
    public bool OnThrottle(PacerTicket ticket)
    {
        lock (gate)
        {
            if (ticket.Slot < lastCut)
            {
                return false;
            }

            var now = time.GetTimestamp();
            rate = rateAtCut = Math.Max(MinimumRate, DecreaseFactor * (rate ?? SucceedingRate(now)));
            lastCut = now;
            nextSlot = Math.Max(nextSlot, now);
            Cuts++;
            return true;
        }
    }

    // Successes per second over the recent ones (within a second of now), timed from the oldest of them.
    private double SucceedingRate(long now)
    {
        var window = ToTicks(1);
        var recent = 0;
        var oldest = now;
        for (var i = 1; i <= Math.Min(successCount, SuccessSamples); i++)
        {
            var at = successes[(int)((successCount - i) % SuccessSamples)];
            if (now - at > window)
            {
                break;
            }

            recent++;
            oldest = at;
        }

        var span = time.GetElapsedTime(oldest, now).TotalSeconds;
        return recent < 2 || span <= 0 ? MinimumIncreaseBasis : (recent - 1) / span;
    }

    private long ToTicks(double seconds) => (long)(seconds * time.TimestampFrequency);
}

/// <summary>A reserved send slot: when it is (timestamp), how long to wait for it, and whether pacing held the call back.</summary>
public readonly record struct PacerTicket(long Slot, TimeSpan Delay, bool Limited);

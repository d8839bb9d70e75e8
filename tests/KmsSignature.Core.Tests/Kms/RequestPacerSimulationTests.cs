using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>
/// The Sign pacer against a simulated KMS quota, in virtual time: concurrent callers, a network round trip, and KMS's
/// token bucket (refilled at the quota, holding one second of it). What the issue asks of bulk signing is a share of
/// the quota, so these tests assert the rate of successful calls the pacer sustains, measured on the simulated clock.
/// </summary>
public sealed class RequestPacerSimulationTests
{
    private const double Quota = 1000;

    // A shared account: other callers emptied the bucket just before the run starts, so the first calls are throttled
    // before any succeeds. The pacer must still find the quota within a few seconds, not crawl up from a guess.
    [Theory]
    [InlineData(32, 20)]
    [InlineData(32, 1)]
    [InlineData(8, 2)]
    [InlineData(256, 20)]
    public void From_an_empty_bucket_successes_reach_the_quota(int concurrency, int latencyMs)
    {
        var run = Simulation.Run(concurrency, TimeSpan.FromMilliseconds(latencyMs), bucketStartsFull: false, TimeSpan.FromSeconds(20));

        Assert.InRange(run.SuccessRate(from: TimeSpan.FromSeconds(5), to: TimeSpan.FromSeconds(20)), 0.9 * Quota, MostAfter5s(Quota));
    }

    // The bucket's one-second burst first (a quiet account), then the steady state; -ThrottleLimit goes up to 256.
    [Theory]
    [InlineData(32, 20)]
    [InlineData(32, 1)]
    [InlineData(256, 20)]
    public void From_a_full_bucket_successes_stay_at_the_quota_once_the_burst_is_spent(int concurrency, int latencyMs)
    {
        var run = Simulation.Run(concurrency, TimeSpan.FromMilliseconds(latencyMs), bucketStartsFull: true, TimeSpan.FromSeconds(20));

        Assert.InRange(run.SuccessRate(from: TimeSpan.FromSeconds(5), to: TimeSpan.FromSeconds(20)), 0.9 * Quota, MostAfter5s(Quota));
    }

    // Throttled calls are retried at once through the pacer, so what it must keep low is the share of calls KMS refuses:
    // each costs a round trip and counts against the caller's throttling metrics.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Few_calls_are_throttled_once_paced(bool bucketStartsFull)
    {
        var run = Simulation.Run(32, TimeSpan.FromMilliseconds(20), bucketStartsFull, TimeSpan.FromSeconds(20));

        var from = TimeSpan.FromSeconds(5);
        var to = TimeSpan.FromSeconds(20);
        Assert.InRange(run.ThrottleCount(from, to), 0, 0.05 * run.SuccessCount(from, to));
    }

    // A small share of the quota (a busy shared account) and a fast client: the pacer starts from the rate calls are sent
    // at, far above the share, and must come down before any call uses up its throttled attempts (KmsThrottling).
    [Theory]
    [InlineData(20, 16, 2)]
    [InlineData(100, 32, 1)]
    public void A_small_quota_is_found_before_any_call_runs_out_of_attempts(double quota, int concurrency, int latencyMs)
    {
        var run = Simulation.Run(concurrency, TimeSpan.FromMilliseconds(latencyMs), bucketStartsFull: true, TimeSpan.FromSeconds(20), quota);

        Assert.InRange(run.LongestThrottledRun, 0, KmsSignature.Core.Signing.SigningKey.MaxThrottledAttempts - 1);
        Assert.InRange(run.SuccessRate(from: TimeSpan.FromSeconds(5), to: TimeSpan.FromSeconds(20)), 0.9 * quota, MostAfter5s(quota));
    }

    // From 5 s to 20 s KMS lets through 15 s of quota, and the bucket's second of it if it filled up before.
    private static double MostAfter5s(double quota) => quota * 16 / 15;

    private sealed class Simulation : TimeProvider
    {
        private readonly PriorityQueue<Action, long> events = new();
        private readonly List<long> successes = [];
        private readonly List<long> throttles = [];
        private long now;
        private double tokens;
        private long refilledAt;
        private double quota;

        /// <summary>The most throttled answers in a row one call got before it succeeded.</summary>
        public int LongestThrottledRun { get; private set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => now;

        public static Simulation Run(int concurrency, TimeSpan roundTrip, bool bucketStartsFull, TimeSpan duration, double quota = Quota)
        {
            var simulation = new Simulation { quota = quota, tokens = bucketStartsFull ? quota : 0 };
            var pacer = new RequestPacer(simulation);
            for (var i = 0; i < concurrency; i++)
            {
                simulation.At(0, () => simulation.Call(pacer, roundTrip, throttledBefore: 0));
            }

            while (simulation.events.TryDequeue(out var next, out var at) && at <= duration.Ticks)
            {
                simulation.now = at;
                next();
            }

            return simulation;
        }

        public double SuccessRate(TimeSpan from, TimeSpan to) => SuccessCount(from, to) / (to - from).TotalSeconds;

        public int SuccessCount(TimeSpan from, TimeSpan to) => successes.Count(t => t >= from.Ticks && t < to.Ticks);

        public int ThrottleCount(TimeSpan from, TimeSpan to) => throttles.Count(t => t >= from.Ticks && t < to.Ticks);

        // One caller: wait for a slot, send; KMS decides when the request arrives (half the round trip later); the
        // answer comes back after the other half, and the caller goes on with its next call (or the same one, retried).
        private void Call(RequestPacer pacer, TimeSpan roundTrip, int throttledBefore)
        {
            var ticket = pacer.Reserve();
            var arrives = now + ticket.Delay.Ticks + (roundTrip.Ticks / 2);
            At(arrives, () =>
            {
                var allowed = TakeToken();
                At(now + (roundTrip.Ticks / 2), () =>
                {
                    if (allowed)
                    {
                        successes.Add(now);
                        pacer.OnSuccess(ticket);
                    }
                    else
                    {
                        throttles.Add(now);
                        pacer.OnThrottle(ticket);
                        LongestThrottledRun = Math.Max(LongestThrottledRun, throttledBefore + 1);
                    }

                    Call(pacer, roundTrip, allowed ? 0 : throttledBefore + 1);
                });
            });
        }

        private bool TakeToken()
        {
            tokens = Math.Min(quota, tokens + ((now - refilledAt) * quota / TimeSpan.TicksPerSecond));
            refilledAt = now;
            if (tokens < 1)
            {
                return false;
            }

            tokens--;
            return true;
        }

        private void At(long time, Action action) => events.Enqueue(action, time);
    }
}

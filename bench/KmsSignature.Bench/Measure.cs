using System.Diagnostics;

namespace KmsSignature.Bench;

/// <summary>Plain Stopwatch timing: warm up, then the best of a few timed rounds (the machine is shared and noisy).</summary>
internal static class Measure
{
    public static double Seconds { get; set; } = 1.0;

    public static int Rounds { get; set; } = 3;

    /// <summary>Ops/s of <paramref name="op"/> (called with a running index) on one thread.</summary>
    public static double Rate(Action<int> op)
    {
        for (var i = 0; i < 200; i++)
        {
            op(i);
        }

        var best = 0.0;
        for (var round = 0; round < Rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var limit = (long)(Seconds * Stopwatch.Frequency);
            var n = 0;
            while (watch.ElapsedTicks < limit)
            {
                for (var k = 0; k < 64; k++)
                {
                    op(n++);
                }
            }

            best = Math.Max(best, n / watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    /// <summary>
    /// Several operations measured interleaved (A, B, C, A, B, C, ...) so that a noisy neighbour hurts them alike;
    /// each gets its best round. <paramref name="threads"/> &gt; 1 runs each slice on that many threads at once.
    /// </summary>
    public static double[] Interleaved(int threads, params Action<int>[] ops)
    {
        var best = new double[ops.Length];
        var saved = Rounds;
        Rounds = 1;
        try
        {
            for (var round = 0; round < saved; round++)
            {
                for (var i = 0; i < ops.Length; i++)
                {
                    best[i] = Math.Max(best[i], threads == 1 ? Rate(ops[i]) : ParallelRate(threads, ops[i]));
                }
            }
        }
        finally
        {
            Rounds = saved;
        }

        return best;
    }

    /// <summary>Ops/s of <paramref name="op"/> on <paramref name="threads"/> threads at once.</summary>
    public static double ParallelRate(int threads, Action<int> op)
    {
        Rate(op);
        var best = 0.0;
        for (var round = 0; round < Rounds; round++)
        {
            var total = 0L;
            var limit = (long)(Seconds * Stopwatch.Frequency);
            using var start = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                var watch = Stopwatch.StartNew();
                var n = 0;
                while (watch.ElapsedTicks < limit)
                {
                    for (var k = 0; k < 64; k++)
                    {
                        op((t * 7919) + n++);
                    }
                }

                Interlocked.Add(ref total, n);
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            var clock = Stopwatch.StartNew();
            workers.ForEach(w => w.Join());
            best = Math.Max(best, total / clock.Elapsed.TotalSeconds);
        }

        return best;
    }

    /// <summary>Ops/s of one timed run of <paramref name="run"/> that does <paramref name="count"/> operations.</summary>
    public static double Once(int count, Action run)
    {
        var watch = Stopwatch.StartNew();
        run();
        return count / watch.Elapsed.TotalSeconds;
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace KmsSignature.LocalKms;

/// <summary>
/// Requests received per operation and per caller (lock-free). Every request with a known operation
/// counts, whether it succeeds, fails or is faulted; per-caller counts need a recognised access key.
/// </summary>
public sealed class LocalKmsCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byOperation = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Operation, string Principal), StrongBox<long>> _byCaller = new();
    private long _total;

    /// <summary>All counted requests.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Requests for one operation (e.g. "Sign").</summary>
    public long Count(string operation) =>
        _byOperation.TryGetValue(operation, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Requests for one operation by one caller (principal ARN).</summary>
    public long Count(string operation, string principalArn) =>
        _byCaller.TryGetValue((operation, principalArn), out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>A snapshot of the per-operation counts.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        _byOperation.ToDictionary(static p => p.Key, static p => Interlocked.Read(ref p.Value.Value), StringComparer.Ordinal);

    /// <summary>Sets every count to zero.</summary>
    public void Reset()
    {
        foreach (var box in _byOperation.Values)
        {
            Interlocked.Exchange(ref box.Value, 0);
        }

        foreach (var box in _byCaller.Values)
        {
            Interlocked.Exchange(ref box.Value, 0);
        }

        Interlocked.Exchange(ref _total, 0);
    }

    internal void Record(string operation, string? principalArn)
    {
        Interlocked.Increment(ref _total);
        Interlocked.Increment(ref _byOperation.GetOrAdd(operation, static _ => new StrongBox<long>()).Value);
        if (principalArn is not null)
        {
            Interlocked.Increment(ref _byCaller.GetOrAdd((operation, principalArn), static _ => new StrongBox<long>()).Value);
        }
    }
}

using System.Collections.Concurrent;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// Platform crypto objects (RSA, ECDsa) are not documented as thread-safe, so each concurrent caller
/// rents its own instance of the same key; the pool grows to the peak concurrency and stays there.
/// </summary>
internal sealed class InstancePool<T>(Func<T> factory) where T : class
{
    private readonly ConcurrentBag<T> _items = [];

    public T Rent() => _items.TryTake(out var item) ? item : factory();

    public void Return(T item) => _items.Add(item);
}

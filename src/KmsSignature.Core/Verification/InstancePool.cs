namespace KmsSignature.Core.Verification;

/// <summary>
/// A tiny lock-free pool of platform key objects (RSA, ECDsa) for one key. .NET documents instance
/// members of these types as not guaranteed thread-safe, so each verification rents its own
/// instance instead of sharing one; single-threaded use always hits the first slot. Instances are
/// made from the already-parsed SPKI (tens of microseconds), never per call once the pool is warm.
/// Lifetime: the owning verifier's; instances are released to the GC with it.
/// </summary>
internal sealed class InstancePool<T>
    where T : class
{
    private readonly T?[] slots;
    private readonly Func<T> factory;

    public InstancePool(Func<T> factory)
    {
        this.factory = factory;
        slots = new T?[Math.Max(2, Environment.ProcessorCount)];
        slots[0] = factory(); // fail at construction, not mid-pipeline, when the platform refuses the key
    }

    public T Rent()
    {
        for (var i = 0; i < slots.Length; i++)
        {
            var instance = Interlocked.Exchange(ref slots[i], null);
            if (instance is not null)
            {
                return instance;
            }
        }

        return factory();
    }

    public void Return(T instance)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref slots[i], instance, null) is null)
            {
                return;
            }
        }

        (instance as IDisposable)?.Dispose();
    }
}

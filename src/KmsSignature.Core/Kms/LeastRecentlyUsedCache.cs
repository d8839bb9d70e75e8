namespace KmsSignature.Core.Kms;

/// <summary>
/// A thread-safe map of at most <see cref="Capacity"/> entries: adding past it drops the entry used least recently, so
/// the entries callers keep using stay. A dropped value is only forgotten, never disposed: a caller may still hold it.
/// </summary>
internal sealed class LeastRecentlyUsedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly object gate = new();
    private readonly Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>> entries;

    // Most recently used first.
    private readonly LinkedList<KeyValuePair<TKey, TValue>> usage = new();

    public LeastRecentlyUsedCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        entries = new Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>>(comparer);
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                MarkUsed(node);
                value = node.Value.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>The value already cached for the key (another caller may have added it meanwhile), else this one, added.</summary>
    public TValue GetOrAdd(TKey key, TValue value)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                MarkUsed(node);
                return node.Value.Value;
            }

            Add(key, value);
            return value;
        }
    }

    public void Set(TKey key, TValue value)
    {
        lock (gate)
        {
            if (entries.Remove(key, out var node))
            {
                usage.Remove(node);
            }

            Add(key, value);
        }
    }

    private void Add(TKey key, TValue value)
    {
        if (entries.Count >= Capacity && usage.Last is { } leastRecentlyUsed)
        {
            usage.RemoveLast();
            entries.Remove(leastRecentlyUsed.Value.Key);
        }

        entries.Add(key, usage.AddFirst(new KeyValuePair<TKey, TValue>(key, value)));
    }

    private void MarkUsed(LinkedListNode<KeyValuePair<TKey, TValue>> node)
    {
        usage.Remove(node);
        usage.AddFirst(node);
    }
}

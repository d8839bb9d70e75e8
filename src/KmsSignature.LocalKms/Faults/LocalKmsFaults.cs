using System.Collections.Concurrent;

namespace KmsSignature.LocalKms;

/// <summary>
/// Fault injection for tests and benchmarks: <see cref="All"/> applies to every request (one shared
/// token bucket), <see cref="For"/> to one operation (e.g. "Sign"). Both apply when both are set.
/// </summary>
public sealed class LocalKmsFaults
{
    private readonly ConcurrentDictionary<string, LocalKmsFaultSettings> _perOperation = new(StringComparer.Ordinal);

    /// <summary>Faults applied to every operation.</summary>
    public LocalKmsFaultSettings All { get; } = new();

    /// <summary>Faults for one operation, by its wire name without the "TrentService." prefix (e.g. "Sign").</summary>
    public LocalKmsFaultSettings For(string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        return _perOperation.GetOrAdd(operation, static _ => new LocalKmsFaultSettings());
    }

    /// <summary>
    /// Per-operation throttling at the documented KMS request quotas (requests per second, per account
    /// and Region). Quotas KMS shares between operations (e.g. the cryptographic-operations quota) are
    /// applied per operation here.
    /// </summary>
    public void UseKmsQuotas()
    {
        For("Sign").RequestsPerSecond = 1000;
        For("Verify").RequestsPerSecond = 1000;
        For("GetPublicKey").RequestsPerSecond = 2000;
        For("DescribeKey").RequestsPerSecond = 2000;
        For("GetKeyPolicy").RequestsPerSecond = 1000;
        For("PutKeyPolicy").RequestsPerSecond = 15;
        For("CreateKey").RequestsPerSecond = 5;
        For("CreateAlias").RequestsPerSecond = 5;
        For("UpdateAlias").RequestsPerSecond = 5;
        For("DeleteAlias").RequestsPerSecond = 15;
        For("ListAliases").RequestsPerSecond = 100;
        For("ListKeys").RequestsPerSecond = 100;
        For("ScheduleKeyDeletion").RequestsPerSecond = 5;
    }

    /// <summary>Removes every injected fault.</summary>
    public void Reset()
    {
        All.Reset();
        foreach (var settings in _perOperation.Values)
        {
            settings.Reset();
        }
    }

    internal LocalKmsFaultSettings? Find(string operation) =>
        _perOperation.TryGetValue(operation, out var settings) && !settings.IsInactive ? settings : null;
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using KmsSignature.LocalKms.Persistence;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// Keys and aliases. Reads (the Sign path) are lock-free dictionary lookups; mutations run one at a time
/// under a lock that also writes the state file when persistence is on.
/// </summary>
internal sealed partial class KeyStore
{
    private readonly ConcurrentDictionary<string, KmsKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AliasEntry> _aliases = new(StringComparer.Ordinal);
    private readonly object _mutationLock = new();
    private readonly StateFile? _stateFile;
    private readonly TimeProvider _clock;

    // The earliest deletion date of any key pending deletion (UTC ticks), so the per-request check is one compare.
    private long _nextDeletionTicks = long.MaxValue;

    public KeyStore(string region, string accountId, StateFile? stateFile, TimeProvider? clock = null)
    {
        Region = region;
        AccountId = accountId;
        _stateFile = stateFile;
        _clock = clock ?? TimeProvider.System;
        if (stateFile is not null)
        {
            foreach (var key in stateFile.LoadKeys(this))
            {
                _keys[key.KeyId] = key;
            }

            foreach (var alias in stateFile.LoadAliases())
            {
                SetAlias(alias);
            }

            UpdateNextDeletion();

            // Written once at start, so a data directory LocalKms cannot write stops it here, not at the first change,
            // which would otherwise be applied in memory and answered as KMSInternalException (and retried by the SDK).
            stateFile.Save(this);
        }
    }

    public DateTimeOffset Now => _clock.GetUtcNow();

    public string Region { get; }

    public string AccountId { get; }

    /// <summary>The partition of every ARN LocalKms issues; an ARN of another partition names nothing here.</summary>
    public const string Partition = "aws";

    public string KeyArnPrefix => $"arn:{Partition}:kms:{Region}:{AccountId}:key/";

    public string AliasArn(string aliasName) => $"arn:{Partition}:kms:{Region}:{AccountId}:{aliasName}";

    public string KeyArn(string keyId) => KeyArnPrefix + keyId;

    [GeneratedRegex("^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")]
    private static partial Regex KeyIdPattern();

    /// <summary>Keys in ListKeys order: creation time to the millisecond (what KMS returns and the state file keeps), then key id.</summary>
    public IReadOnlyList<KmsKey> Keys => [.. _keys.Values.OrderBy(ListOrder).ThenBy(static k => k.KeyId, StringComparer.Ordinal)];

    public static long ListOrder(KmsKey key) => key.CreationDate.ToUnixTimeMilliseconds();

    public IReadOnlyList<AliasEntry> Aliases => [.. _aliases.Values.OrderBy(static a => a.Name, StringComparer.Ordinal)];

    public AliasEntry? FindAlias(string name) => _aliases.GetValueOrDefault(name);

    /// <summary>
    /// Resolves a key identifier: key id, key ARN and, where the operation accepts them, alias name and alias ARN.
    /// </summary>
    public KmsKey Resolve(string identifier, bool allowAlias)
    {
        var keyId = identifier;
        if (identifier.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = identifier.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms" || !(parts[5].StartsWith("key/", StringComparison.Ordinal) || parts[5].StartsWith("alias/", StringComparison.Ordinal)))
            {
                throw KmsErrorException.NotFound($"Invalid arn {identifier}");
            }

            if (parts[5].StartsWith("alias/", StringComparison.Ordinal))
            {
                if (!allowAlias)
                {
                    throw KmsErrorException.NotFound($"Invalid keyId {identifier}");
                }

                if (parts[1] != Partition || parts[3] != Region || parts[4] != AccountId || !_aliases.TryGetValue(parts[5], out var aliasByArn))
                {
                    throw KmsErrorException.NotFound($"Alias {identifier} is not found.");
                }

                return ResolveKeyId(aliasByArn.TargetKeyId);
            }

            if (parts[1] != Partition || parts[3] != Region || parts[4] != AccountId)
            {
                throw KmsErrorException.NotFound($"Key '{identifier}' does not exist");
            }

            keyId = parts[5]["key/".Length..];
        }
        else if (identifier.StartsWith("alias/", StringComparison.Ordinal))
        {
            if (!allowAlias)
            {
                throw KmsErrorException.NotFound($"Invalid keyId {identifier}");
            }

            if (!_aliases.TryGetValue(identifier, out var alias))
            {
                throw KmsErrorException.NotFound($"Alias {AliasArn(identifier)} is not found.");
            }

            return ResolveKeyId(alias.TargetKeyId);
        }

        if (!KeyIdPattern().IsMatch(keyId))
        {
            throw KmsErrorException.NotFound($"Invalid keyId {identifier}");
        }

        return ResolveKeyId(keyId);
    }

    private KmsKey ResolveKeyId(string keyId) =>
        _keys.TryGetValue(keyId, out var key) ? key : throw KmsErrorException.NotFound($"Key '{KeyArn(keyId)}' does not exist");

    public void Mutate(Action action) => Mutate<object?>(() =>
    {
        action();
        return null;
    });

    public T Mutate<T>(Func<T> action)
    {
        lock (_mutationLock)
        {
            if (_stateFile is null)
            {
                var unsaved = action();
                UpdateNextDeletion();
                return unsaved;
            }

            // A change the state file does not hold is undone: the caller gets an error (KMSInternalException, which the
            // SDK retries), so keeping it in memory would make a retried CreateKey leave several keys, all lost at exit.
            var keys = _keys.ToDictionary(static p => p.Key, static p => (Key: p.Value, p.Value.Status), StringComparer.Ordinal);
            var aliases = _aliases.ToDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal);
            var result = action();
            UpdateNextDeletion();
            try
            {
                _stateFile.Save(this);
            }
            catch
            {
                Restore(keys, aliases);
                UpdateNextDeletion();
                throw;
            }

            return result;
        }
    }

    private void Restore(Dictionary<string, (KmsKey Key, KeyStatus Status)> keys, Dictionary<string, AliasEntry> aliases)
    {
        foreach (var keyId in _keys.Keys.Where(id => !keys.ContainsKey(id)).ToList())
        {
            _keys.TryRemove(keyId, out _);
        }

        foreach (var (keyId, (key, status)) in keys)
        {
            key.SetStatus(status);
            _keys[keyId] = key;
        }

        foreach (var name in _aliases.Keys.Where(n => !aliases.ContainsKey(n)).ToList())
        {
            _aliases.TryRemove(name, out _);
        }

        foreach (var (name, alias) in aliases)
        {
            _aliases[name] = alias;
        }
    }

    /// <summary>
    /// When its waiting period ends, KMS deletes a key with its material and every alias that refers to it
    /// (ScheduleKeyDeletion). LocalKms does it before each request, so no request sees a key past its date.
    /// </summary>
    public void DeleteDueKeys()
    {
        if (Volatile.Read(ref _nextDeletionTicks) > Now.UtcTicks)
        {
            return;
        }

        Mutate(() =>
        {
            var now = Now;
            foreach (var key in _keys.Values)
            {
                if (key.Status is { State: "PendingDeletion", DeletionDate: { } date } && date <= now)
                {
                    _keys.TryRemove(key.KeyId, out _);
                    foreach (var alias in _aliases.Values.Where(a => a.TargetKeyId == key.KeyId))
                    {
                        _aliases.TryRemove(alias.Name, out _);
                    }
                }
            }
        });
    }

    private void UpdateNextDeletion()
    {
        var next = long.MaxValue;
        foreach (var key in _keys.Values)
        {
            if (key.Status is { State: "PendingDeletion", DeletionDate: { } date })
            {
                next = Math.Min(next, date.UtcTicks);
            }
        }

        Volatile.Write(ref _nextDeletionTicks, next);
    }

    /// <summary>
    /// NotFoundException for a key deleted (its waiting period over) since the caller resolved it. Only inside
    /// <see cref="Mutate(Action)"/>, so the key is still there when the change is made.
    /// </summary>
    public void RequireStored(KmsKey key)
    {
        if (!_keys.TryGetValue(key.KeyId, out var stored) || !ReferenceEquals(stored, key))
        {
            throw KmsErrorException.NotFound($"Key '{key.Arn}' does not exist");
        }
    }

    /// <summary>Only inside <see cref="Mutate(Action)"/>.</summary>
    public void AddKey(KmsKey key) => _keys[key.KeyId] = key;

    /// <summary>
    /// Only inside <see cref="Mutate(Action)"/>. The key's status lists the alias before the alias names the key, and the key it
    /// named stops listing it after: a read that looked the alias up finds it listed in the status of the key it got, unless
    /// the alias has moved since (<see cref="KeyStatus.AliasNames"/>).
    /// </summary>
    public void SetAlias(AliasEntry alias)
    {
        var previous = _aliases.GetValueOrDefault(alias.Name);
        ChangeAliasNames(alias.TargetKeyId, names => names.Contains(alias.Name) ? names : [.. names, alias.Name]);
        _aliases[alias.Name] = alias;
        if (previous is not null && previous.TargetKeyId != alias.TargetKeyId)
        {
            ChangeAliasNames(previous.TargetKeyId, names => [.. names.Where(n => n != alias.Name)]);
        }
    }

    /// <summary>Only inside <see cref="Mutate(Action)"/>.</summary>
    public bool RemoveAlias(string name)
    {
        if (!_aliases.TryRemove(name, out var removed))
        {
            return false;
        }

        ChangeAliasNames(removed.TargetKeyId, names => [.. names.Where(n => n != name)]);
        return true;
    }

    private void ChangeAliasNames(string keyId, Func<IReadOnlyList<string>, IReadOnlyList<string>> change)
    {
        if (_keys.TryGetValue(keyId, out var key))
        {
            key.SetStatus(key.Status with { AliasNames = change(key.Status.AliasNames) });
        }
    }
}

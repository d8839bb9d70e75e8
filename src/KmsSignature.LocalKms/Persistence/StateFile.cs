using System.Text.Json;
using System.Text.Json.Nodes;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Policy;

namespace KmsSignature.LocalKms.Persistence;

/// <summary>
/// The whole state as one JSON file (<c>localkms-state.json</c>), rewritten atomically (temp file + rename)
/// after every mutation. PRIVATE KEYS ARE STORED IN THE CLEAR: LocalKms is for testing only.
/// </summary>
internal sealed class StateFile
{
    private const string FileName = "localkms-state.json";

    // The format this build writes and reads. A file of another version is refused rather than loaded in part and then
    // rewritten as this version, which would silently drop whatever the newer LocalKms stored.
    private const int Version = 1;
    private readonly string _path;
    private readonly JsonObject? _loaded;

    public StateFile(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, FileName);
        RemoveLeftoverTempFiles(directory);
        if (File.Exists(_path))
        {
            try
            {
                _loaded = JsonNode.Parse(File.ReadAllBytes(_path)) as JsonObject;
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{_path} is not valid JSON, so it was left as it is: {ex.Message}", ex);
            }

            if (_loaded is null)
            {
                throw new InvalidDataException($"{_path} does not hold a LocalKms state object, so it was left as it is.");
            }

            var version = _loaded["version"] is JsonValue value && value.TryGetValue<int>(out var number) ? number : (int?)null;
            if (version != Version)
            {
                throw new InvalidDataException(version > Version
                    ? $"{_path} was written by a newer LocalKms (state version {version}); this one reads version {Version} and left the file as it is."
                    : $"{_path} has no supported state version (this LocalKms reads version {Version}), so it was left as it is.");
            }
        }
    }

    /// <summary>
    /// A process killed between creating its temp file and renaming it (SIGKILL, power loss) leaves the temp file behind.
    /// Only names <see cref="TempPath"/> makes are ours; anything else in the directory is left alone.
    /// </summary>
    private void RemoveLeftoverTempFiles(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory, FileName + ".*.tmp"))
        {
            if (!IsTempName(Path.GetFileName(path)))
            {
                continue;
            }

            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"LocalKms cannot remove {path}, a temp file an earlier run of it left beside its state file {_path}: {ex.Message}", ex);
            }
        }
    }

    private string TempPath() => $"{_path}.{Guid.NewGuid():N}.tmp";

    // The file holds private keys in the clear: on Linux and macOS only its owner may read it, as ssh-keygen writes a key
    // (the umask alone leaves it readable by all, 0644). Windows has no Unix mode; the file takes the directory's ACL.
    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    // "localkms-state.json." + 32 lowercase hex digits (a Guid in "N" format) + ".tmp", exactly what TempPath makes.
    private static bool IsTempName(string name)
    {
        const string prefix = FileName + ".", suffix = ".tmp";
        return name.Length == prefix.Length + 32 + suffix.Length
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && name.EndsWith(suffix, StringComparison.Ordinal)
            && !name.AsSpan(prefix.Length, 32).ContainsAnyExcept("0123456789abcdef");
    }

    public IReadOnlyList<KmsKey> LoadKeys(KeyStore store) => Load(() => ReadKeys(store), "a key entry");

    public IReadOnlyList<AliasEntry> LoadAliases() => Load(ReadAliases, "an alias entry");

    // Whatever a malformed entry throws (a missing member, a wrong type) names the file, which is left as it is.
    private IReadOnlyList<T> Load<T>(Func<IEnumerable<T>> read, string what)
    {
        try
        {
            return [.. read()];
        }
        catch (Exception ex) when (ex is not InvalidDataException)
        {
            throw new InvalidDataException($"{_path} holds {what} LocalKms cannot read, so it was left as it is: {ex.Message}", ex);
        }
    }

    private IEnumerable<KmsKey> ReadKeys(KeyStore store)
    {
        if (_loaded?["keys"] is not JsonArray keys)
        {
            yield break;
        }

        foreach (var node in keys)
        {
            var k = node!.AsObject();
            var spec = KeySpecInfo.Find((string)k["keySpec"]!) ?? throw new InvalidDataException($"{_path} holds a key of unknown spec {(string?)k["keySpec"]}, so it was left as it is.");
            var policyText = (string)k["policy"]!;
            var tags = k["tags"]!.AsArray()
                .Select(static t => new KeyValuePair<string, string>((string)t!["key"]!, (string)t["value"]!))
                .ToList();
            var status = new KeyStatus(
                (string)k["state"]!,
                k["deletionDate"] is { } deletion ? DateTimeOffset.FromUnixTimeMilliseconds((long)deletion) : null,
                (int?)k["pendingWindowInDays"],
                (string)k["description"]!,
                policyText,
                PolicyDocument.Parse(policyText, isKeyPolicy: true),
                tags,
                AliasNames: []); // The store adds them as it loads the aliases.
            var keyId = (string)k["keyId"]!;
            yield return new KmsKey(
                keyId,
                store.KeyArn(keyId),
                spec,
                (string)k["keyUsage"]!,
                DateTimeOffset.FromUnixTimeMilliseconds((long)k["creationDate"]!),
                (bool)k["multiRegion"]!,
                KeyMaterial.ImportFor(spec.Name, Convert.FromBase64String((string)k["privateKeyInTheClear"]!)),
                status);
        }
    }

    private IEnumerable<AliasEntry> ReadAliases()
    {
        if (_loaded?["aliases"] is not JsonArray aliases)
        {
            yield break;
        }

        foreach (var node in aliases)
        {
            yield return new AliasEntry(
                (string)node!["name"]!,
                (string)node["targetKeyId"]!,
                DateTimeOffset.FromUnixTimeMilliseconds((long)node["creationDate"]!),
                DateTimeOffset.FromUnixTimeMilliseconds((long)node["lastUpdatedDate"]!));
        }
    }

    public void Save(KeyStore store)
    {
        var keys = new JsonArray();
        foreach (var key in store.Keys)
        {
            var status = key.Status;
            var tags = new JsonArray();
            foreach (var tag in status.Tags)
            {
                tags.Add(new JsonObject { ["key"] = tag.Key, ["value"] = tag.Value });
            }

            keys.Add(new JsonObject
            {
                ["keyId"] = key.KeyId,
                ["keySpec"] = key.Spec.Name,
                ["keyUsage"] = key.KeyUsage,
                ["creationDate"] = key.CreationDate.ToUnixTimeMilliseconds(),
                ["multiRegion"] = key.MultiRegion,
                ["state"] = status.State,
                ["deletionDate"] = status.DeletionDate?.ToUnixTimeMilliseconds(),
                ["pendingWindowInDays"] = status.PendingWindowInDays,
                ["description"] = status.Description,
                ["policy"] = status.PolicyText,
                ["tags"] = tags,
                ["privateKeyInTheClear"] = Convert.ToBase64String(key.Material.Export()),
            });
        }

        var aliases = new JsonArray();
        foreach (var alias in store.Aliases)
        {
            aliases.Add(new JsonObject
            {
                ["name"] = alias.Name,
                ["targetKeyId"] = alias.TargetKeyId,
                ["creationDate"] = alias.CreationDate.ToUnixTimeMilliseconds(),
                ["lastUpdatedDate"] = alias.LastUpdatedDate.ToUnixTimeMilliseconds(),
            });
        }

        var state = new JsonObject
        {
            ["warning"] = "LocalKms test state. Private keys are stored IN THE CLEAR. Never use for real secrets.",
            ["version"] = Version,
            ["keys"] = keys,
            ["aliases"] = aliases,
        };

        var temp = TempPath();
        try
        {
            using (var stream = new FileStream(temp, CreateOptions()))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    state.WriteTo(writer);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new IOException($"LocalKms cannot write its state file {_path}: {ex.Message}", ex);
        }
    }
}

using KmsSignature.Core.Files;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>
/// The public keys a verifier trusts, each with its reusable <see cref="KeyVerifier"/>, selected by kid.
/// Rules: a token's kid matches a key's kid, else a key's RFC 7638 thumbprint. A store holding a
/// single key without a kid (e.g. one PEM given with -PublicKey) uses it for every token, kid or not; with several
/// (several -PublicKey or -KeyId keys, a PEM bundle), a token whose kid no key has is checked against each of them
/// that fits its alg. A token without kid is checked against every key whose type fits its alg. Keys of different types may
/// share a kid (RFC 7517 §5); the token's alg picks one. Immutable and thread-safe.
/// </summary>
public sealed class TrustStore
{
    private static readonly string[] KeyFileExtensions = [".pem", ".der", ".pub", ".crt", ".jwk", ".json", ".jwks", ".key"];

    // Hidden and system files are passed over, as Get-ChildItem passes over them without -Force: macOS writes an AppleDouble
    // "._<name>" beside each file copied to a FAT, exFAT or SMB volume (so "._current.pem" next to "current.pem"), which
    // would fail the load. .NET reports names starting with "." as Hidden on Linux and macOS, and the attribute on Windows.
    private static readonly EnumerationOptions KeyFileEnumeration = new()
    {
        AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        IgnoreInaccessible = false,
    };

    private readonly KeyVerifier[] verifiers;
    private readonly KeyVerifier[] verifiersWithoutKid;
    private readonly Dictionary<string, KeyVerifier[]> byKid;
    private readonly KeyVerifier? wildcard;

    // Internal: tests build stores of verifiers that observe the calls.
    internal TrustStore(KeyVerifier[] verifiers, string source)
    {
        this.verifiers = verifiers;
        verifiersWithoutKid = Array.FindAll(verifiers, static verifier => verifier.Key.KeyId is null);
        Source = source;
        byKid = new Dictionary<string, KeyVerifier[]>(StringComparer.Ordinal);
        foreach (var verifier in verifiers)
        {
            var kid = verifier.Key.KeyId;
            if (kid is null)
            {
                continue;
            }

            if (!byKid.TryGetValue(kid, out var named))
            {
                byKid[kid] = [verifier];
            }
            else if (named.Any(other => other.Key.Family == verifier.Key.Family && !other.Key.Equals(verifier.Key)))
            {
                throw new KmsSignatureException("DuplicateKeyId", ErrorKind.InvalidData,
                    $"{source} holds two different keys of one type with kid '{UntrustedText.Show(kid)}'; a kid must name one key of each type.", source);
            }
            else if (!named.Any(other => other.Key.Equals(verifier.Key) && other.Key.Algorithm == verifier.Key.Algorithm))
            {
                // RFC 7517 §5: keys of different types may share a kid; the token's alg says which is meant.
                byKid[kid] = [.. named, verifier];
            }
        }

        // Under its RFC 7638 thumbprint too (New-KmsSignedJwt -KeyIdStyle Thumbprint), unless that is some key's kid; a key
        // listed once per alg keeps each entry there, as under its own kid.
        var thumbprints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var verifier in verifiers)
        {
            var thumbprint = verifier.Key.JwkThumbprint;
            if (byKid.TryAdd(thumbprint, [verifier]))
            {
                thumbprints.Add(thumbprint);
            }
            else if (thumbprints.Contains(thumbprint) && !byKid[thumbprint].Any(other => other.Key.Algorithm == verifier.Key.Algorithm))
            {
                byKid[thumbprint] = [.. byKid[thumbprint], verifier];
            }
        }

        if (verifiers.Length == 1 && verifiers[0].Key.KeyId is null)
        {
            wildcard = verifiers[0];
        }
    }

    /// <summary>Where the keys came from (for messages).</summary>
    public string Source { get; }

    public IReadOnlyList<KeyVerifier> Verifiers => verifiers;

    /// <summary>The keys that have no kid: the candidates for a token whose kid names no key.</summary>
    public IReadOnlyList<KeyVerifier> VerifiersWithoutKid => verifiersWithoutKid;

    public int Count => verifiers.Length;

    /// <summary>True when a directory's PEM or DER file gave its key the file's name as kid (for the UntrustedKey reason).</summary>
    public bool NamesKeysByFileName { get; private set; }

    /// <summary>
    /// Most keys a store holds. A token without kid is tried against every key that fits its alg, so the store's size is
    /// the work one such token can cost; real key sets hold a handful (a 4 MiB PEM bundle could hold 20,000).
    /// </summary>
    public const int MaxKeys = 10_000;

    /// <summary>A store of the given keys (duplicates by key and kid collapse); more than <see cref="MaxKeys"/> are refused.</summary>
    public static TrustStore FromKeys(IEnumerable<PublicKey> keys, string source = "the trust store") => FromKeys(keys, source, source);

    // A store loaded from a file or directory names it quoted in messages ("'/keys' holds ..."); its errors target the path itself.
    private static TrustStore FromKeys(IEnumerable<PublicKey> keys, string source, string target)
    {
        var unique = new List<PublicKey>();
        // By key and kid in a dictionary: a search of the list for each key made a bundle of n keys cost n² comparisons.
        var indexOf = new Dictionary<(PublicKey Key, string? KeyId), int>();
        var pins = new HashSet<(PublicKey Key, string? KeyId, string Algorithm)>();
        foreach (var key in keys)
        {
            // The same key under the same kid from two files (key.pem and key.jwk.json): keep one,
            // the one whose JWK pins an alg when there is one (the stricter reading).
            if (!indexOf.TryGetValue((key, key.KeyId), out var index))
            {
                indexOf.Add((key, key.KeyId), unique.Count);
                Add(unique, key, source, target);
                AddPin(pins, key);
            }
            else if (unique[index].Algorithm is null && key.Algorithm is not null)
            {
                unique[index] = key;
                AddPin(pins, key);
            }
            else if (unique[index].Algorithm is not null && AddPin(pins, key))
            {
                // A JWKS may list one RSA key under one kid once per alg (RS256 and PS256): each entry admits its alg.
                Add(unique, key, source, target);
            }
        }

        if (unique.Count == 0)
        {
            throw new KmsSignatureException("TrustStoreEmpty", ErrorKind.InvalidArgument, $"{source} holds no public key.", target);
        }

        return new TrustStore(unique.Select(KeyVerifier.Create).ToArray(), source);
    }

    private static bool AddPin(HashSet<(PublicKey Key, string? KeyId, string Algorithm)> pins, PublicKey key) =>
        key.Algorithm is not null && pins.Add((key, key.KeyId, key.Algorithm));

    private static void Add(List<PublicKey> unique, PublicKey key, string source, string target)
    {
        if (unique.Count == MaxKeys)
        {
            throw new KmsSignatureException("TrustStoreTooLarge", ErrorKind.LimitsExceeded,
                $"{source} holds more than {MaxKeys} public keys; a token without kid would be checked against each of them.", target)
            {
                RecommendedAction = "Trust only the keys that sign the tokens or files you verify.",
            };
        }

        unique.Add(key);
    }

    /// <summary>
    /// Refuses what is not a path where a trust store's path is expected, before it is read as one: a URL
    /// (PowerShell takes <c>https:</c> or <c>s3:</c> for a drive and says only that no such drive exists), and key text such as
    /// Export-KmsPublicKeyPem's output or a file's content (read as a file name, it was "not found").
    /// </summary>
    public static void RejectNonPath(string location)
    {
        var text = location.AsSpan().TrimStart();
        // A JSON object's quotes too: a folder may be named "{keys}", but hardly with quotes in its name.
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal) || (text.StartsWith("{", StringComparison.Ordinal) && text.Contains('"')))
        {
            throw new KmsSignatureException("TrustStoreIsKeyText", ErrorKind.InvalidArgument,
                "-TrustStore takes a JWKS, JWK or PEM file, or a directory of key files; this is key text (PEM or JSON). " +
                "Give key text to -PublicKey instead, or save it to a file first.", location);
        }

        if (UrlPath.IsUrl(location, out var url))
        {
            var shown = UrlPath.WithoutUserInfo(url);
            throw new KmsSignatureException("TrustStoreIsUrl", ErrorKind.InvalidArgument,
                $"Trust store '{UntrustedText.ShowWhole(shown)}' is a URL; trust stores are read from a file or a directory, so that verification stays offline. "
                + UrlPath.DownloadAdvice(url, "jwks.json"), shown);
        }
    }

    /// <summary>
    /// Loads a JWKS/JWK/PEM/DER file, or every key file in a directory (extensions .pem .der .pub .jwk .json .jwks .key;
    /// other files, hidden files and sub-directories are ignored; a key file that does not parse, is empty or is a named pipe, socket or
    /// device fails the load). A key without kid alone in its file in a directory gets the file's name without
    /// extension as kid, so <c>keys/2024-signing.pem</c> verifies tokens with <c>kid: "2024-signing"</c>.
    /// </summary>
    public static TrustStore Load(string path)
    {
        if (File.Exists(path))
        {
            return FromKeys(PublicKey.LoadFile(path), $"'{path}'", path);
        }

        if (!Directory.Exists(path))
        {
            throw new KmsSignatureException("TrustStoreNotFound", ErrorKind.ObjectNotFound,
                $"Trust store '{path}' is neither a key file nor a directory.", path);
        }

        var keys = new List<PublicKey>();
        var namedByFile = false;
        var files = Directory.GetFiles(path, "*", KeyFileEnumeration);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!HasKeyFileExtension(file))
            {
                continue;
            }

            RequireLength(file, path);

            // The file's name is the kid of the key it holds; a file of several keys (a rotation bundle) names
            // none of them, since a kid names one key: theirs stay as loading the file alone gives them.
            var fileKeys = PublicKey.LoadFile(file);
            foreach (var key in fileKeys)
            {
                var byFileName = key.KeyId is null && fileKeys.Count == 1;
                namedByFile |= byFileName;
                keys.Add(byFileName ? key.WithMetadata(KidFromFileName(file), key.Algorithm, key.Use) : key);
            }
        }

        if (keys.Count == 0 && FirstHiddenKeyFile(path) is { } hidden)
        {
            throw new KmsSignatureException("TrustStoreEmpty", ErrorKind.InvalidArgument,
                $"'{path}' holds no public key; hidden files such as '{UntrustedText.ShowWhole(hidden)}' are passed over.", path)
            {
                RecommendedAction = "Rename the key file without the leading '.' (or clear its Hidden attribute), or give the file itself.",
            };
        }

        var store = FromKeys(keys, $"'{path}'", path);
        store.NamesKeysByFileName = namedByFile;
        return store;
    }

    // For the error only: the load passed over hidden files, and a folder of hidden key files alone looks like a store.
    // macOS's AppleDouble "._<name>" copies are never keys: naming one would advise renaming a resource fork.
    private static string? FirstHiddenKeyFile(string path) =>
        new DirectoryInfo(path).EnumerateFiles()
            .Where(file => (file.Attributes & KeyFileEnumeration.AttributesToSkip) != 0
                && HasKeyFileExtension(file.Name) && !file.Name.StartsWith("._", StringComparison.Ordinal))
            .Select(file => file.Name)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    private static bool HasKeyFileExtension(string file) =>
        Array.IndexOf(KeyFileExtensions, System.IO.Path.GetExtension(file).ToLowerInvariant()) >= 0;

    // Opening a named pipe waits for a writer, possibly forever, and .NET 8 cannot tell one from a file without opening
    // it. A pipe, socket or device reports no length, as an empty file does, and neither holds a key: refused unopened.
    private static void RequireLength(string file, string store)
    {
        var info = new FileInfo(file);
        if (info.Exists && info.Length == 0)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"'{file}' in trust store '{store}' is empty, or is a named pipe, socket or device; a key file holds a key.", file)
            {
                RecommendedAction = "Remove it from the trust-store directory, or give it another extension.",
            };
        }
    }

    /// <summary>
    /// The key for a token's kid: null when the kid names no trusted key. For a token without kid, returns the
    /// single key of a one-key store, else null (the caller then tries <see cref="Verifiers"/> that fit the alg).
    /// </summary>
    public KeyVerifier? Find(string? kid) => Find(kid, null);

    /// <summary>
    /// As <see cref="Find(string?)"/>; when keys of different types share the kid, the one that fits
    /// <paramref name="algorithm"/> (else the first, whose misfit the caller reports).
    /// </summary>
    public KeyVerifier? Find(string? kid, Algorithms.JwsAlgorithm? algorithm)
    {
        if (wildcard is not null)
        {
            return wildcard;
        }

        if (kid is null)
        {
            return verifiers.Length == 1 ? verifiers[0] : null;
        }

        if (!byKid.TryGetValue(kid, out var named))
        {
            return null;
        }

        if (algorithm is not null)
        {
            // One key may be listed under its kid once per alg it is pinned to: the entry that admits the alg, else one that fits.
            foreach (var verifier in named)
            {
                if (verifier.Fits(algorithm) && verifier.AllowsPinned(algorithm))
                {
                    return verifier;
                }
            }

            foreach (var verifier in named)
            {
                if (verifier.Fits(algorithm))
                {
                    return verifier;
                }
            }
        }

        return named[0];
    }

    private static string KidFromFileName(string file)
    {
        var name = System.IO.Path.GetFileName(file);
        foreach (var suffix in new[] { ".jwk.json", ".pub.pem", ".public.pem" })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^suffix.Length];
            }
        }

        return System.IO.Path.GetFileNameWithoutExtension(name);
    }
}

using KmsSignature.Core.Files;

namespace KmsSignature.Core.Signing;

/// <summary>
/// The signature files one signing run (one New-KmsSignature call) will write, claimed in input order when an
/// item is queued, before any KMS call. Two inputs whose signature paths meet (a/x.txt and b/x.txt into one
/// -Destination directory, or several files into one -Destination file) would otherwise both be signed and race
/// for the same file: with -Force the second silently replaces the first, without it the loser depends on timing.
/// A claim decides it up front, the same way every time: the first input keeps the path, the later ones are refused.
/// Not thread-safe: claims are made on the pipeline thread, one instance per run.
/// </summary>
public sealed class SignaturePathClaims
{
    private readonly Dictionary<string, string> claimed = new(PathComparer);
    private readonly Dictionary<string, string> inputs = new(PathComparer);

    /// <summary>
    /// How file systems compare names where we run: case-insensitively on Windows and macOS (NTFS, APFS by
    /// default), case-sensitively elsewhere. A false match only refuses an item; a miss would lose a signature.
    /// </summary>
    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// Claims <paramref name="signaturePath"/> for <paramref name="path"/>; throws <c>KmsSignature.DuplicateSignaturePath</c>
    /// (target: <paramref name="path"/>) when an earlier input of this run already claimed it, when it is an earlier
    /// input (with -Force, x.sig signed and then replaced by x's signature, perhaps while still being read), or when
    /// <paramref name="path"/> is the signature file an earlier input will write.
    /// </summary>
    public void Claim(string path, string signaturePath)
    {
        var full = Path.GetFullPath(signaturePath);
        // Compared as real paths: a signature file is written through a symbolic link to the file the link names.
        var written = RealPath.Of(signaturePath);
        var input = RealPath.Of(path);
        if (claimed.TryGetValue(written, out var first))
        {
            throw NotSigned(path, $"its signature file '{full}' is already the signature of '{first}' in this run, and one would overwrite the other");
        }

        if (inputs.TryGetValue(written, out var signedInput))
        {
            throw NotSigned(path, $"its signature file '{full}' is '{signedInput}', which this run signs too");
        }

        if (claimed.TryGetValue(input, out var owner))
        {
            throw NotSigned(path, $"it is the signature file this run writes for '{owner}'");
        }

        claimed.Add(written, path);
        inputs.TryAdd(input, path);
    }

    /// <summary>
    /// Claims <paramref name="signaturePath"/> for a message signed with <paramref name="keyId"/> (keys piped to -Message with one
    /// -Destination); throws <c>KmsSignature.DuplicateSignaturePath</c> (target: the signature path) when this run already writes it.
    /// </summary>
    public void ClaimForMessage(string signaturePath, string keyId)
    {
        var full = Path.GetFullPath(signaturePath);
        var written = RealPath.Of(signaturePath);
        if (claimed.TryGetValue(written, out var first))
        {
            throw Duplicate(full, $"The message was not signed with '{keyId}': '{full}' is already the signature of {first} in this run, " +
                "and one would overwrite the other.");
        }

        claimed.Add(written, MessageOwner(keyId));
    }

    /// <summary>
    /// Gives up the signature file <see cref="Claim"/> took for an input that will not be signed after all (declined at
    /// -Confirm), so a later input may write it. The input stays recorded: another input may be the same file (a link to
    /// it) and still be read, and refusing to write over a file this run was given costs at most one needless refusal.
    /// </summary>
    public void Release(string path, string signaturePath) => Remove(claimed, RealPath.Of(signaturePath), path);

    /// <summary>Gives up what <see cref="ClaimForMessage"/> took (declined at -Confirm).</summary>
    public void ReleaseForMessage(string signaturePath, string keyId) =>
        Remove(claimed, RealPath.Of(signaturePath), MessageOwner(keyId));

    private static void Remove(Dictionary<string, string> claims, string key, string owner)
    {
        if (claims.TryGetValue(key, out var current) && current == owner)
        {
            claims.Remove(key);
        }
    }

    private static string MessageOwner(string keyId) => $"the message signed with '{keyId}'";

    private static KmsSignatureException NotSigned(string path, string why) => Duplicate(path, $"'{path}' was not signed: {why}.");

    private static KmsSignatureException Duplicate(string target, string message) =>
        new("DuplicateSignaturePath", ErrorKind.ResourceExists, message, target)
        {
            RecommendedAction = "Sign files with the same name into different -Destination directories (or next to each file, without -Destination), " +
                "keep signature files out of the files being signed, or sign in separate runs.",
        };
}

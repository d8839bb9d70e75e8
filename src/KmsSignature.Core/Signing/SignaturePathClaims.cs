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

    /// <summary>
    /// How file systems compare names where we run: case-insensitively on Windows and macOS (NTFS, APFS by
    /// default), case-sensitively elsewhere. A false match only refuses an item; a miss would lose a signature.
    /// </summary>
    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// Claims <paramref name="signaturePath"/> for <paramref name="path"/>; throws <c>KmsSignature.DuplicateSignaturePath</c>
    /// (target: <paramref name="path"/>) when an earlier input of this run already claimed it.
    /// </summary>
    public void Claim(string path, string signaturePath)
    {
        var full = Path.GetFullPath(signaturePath);
        if (claimed.TryGetValue(full, out var first))
        {
            throw new KmsSignatureException("DuplicateSignaturePath", ErrorKind.ResourceExists,
                $"'{path}' was not signed: its signature file '{full}' is already the signature of '{first}' in this run, and one would overwrite the other.",
                path)
            {
                RecommendedAction = "Sign files with the same name into different -Destination directories (or next to each file, without -Destination), or in separate runs.",
            };
        }

        claimed.Add(full, path);
    }
}

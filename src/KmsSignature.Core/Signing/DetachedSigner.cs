using System.Buffers;
using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Files;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Signing;

/// <summary>
/// Detached signatures through KMS: the <c>aws kms sign</c> + openssl workflow in one call. From 1 to 4096 bytes
/// the content goes to KMS RAW; larger files are hashed locally as a stream (constant memory, any size) and
/// sent as DIGEST, and so is an empty file (KMS takes no empty RAW message). Signature files are prepared here and put in place atomically by <see cref="PendingSignatureFile.Commit"/>, and never replace an existing file unless asked.
/// Thread-safe.
/// </summary>
public sealed class DetachedSigner
{
    private const int BufferSize = 1024 * 1024;

    public DetachedSigner(SigningKey key, SignatureAlgorithm? algorithm = null)
    {
        Key = key;
        Algorithm = algorithm ?? SignatureAlgorithm.DefaultFor(key.KeySpec);
        key.EnsureFits(Algorithm);
    }

    public SigningKey Key { get; }

    public SignatureAlgorithm Algorithm { get; }

    /// <summary>The conventional signature file: <c>&lt;file&gt;.sig</c> (what Test-KmsSignature looks for).</summary>
    public static string DefaultSignaturePath(string path) => DetachedSignatureVerifier.DefaultSignaturePath(path);

    /// <summary>
    /// Everything that can fail before a KMS call: the file exists and is a file, the destination is not the file
    /// itself and does not exist (unless <paramref name="force"/>), and the algorithm can sign a file of this size (pure Ed25519 and ML-DSA: 1 to 4096 bytes).
    /// </summary>
    public void CheckFile(string path, string signaturePath, bool force)
    {
        CheckPaths(path, signaturePath, force);
        // A pipe or a device also says 0 here: how much it holds is known only once read (SignFileAsync checks then).
        if (new FileInfo(path).Length is > 0 and var length)
        {
            CheckLength(length, path);
        }
    }

    /// <summary>
    /// What fails before a KMS call without knowing the key (so also under -WhatIf): the file exists and is a file, and
    /// the destination is not the file itself and does not exist (unless <paramref name="force"/>).
    /// </summary>
    public static void CheckPaths(string path, string signaturePath, bool force)
    {
        if (Directory.Exists(path))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{path}' is a directory; a file was expected.", path);
        }

        if (!File.Exists(path))
        {
            throw new KmsSignatureException("FileNotFound", ErrorKind.ObjectNotFound, $"File '{path}' does not exist.", path);
        }

        if (SignaturePathClaims.PathComparer.Equals(RealPath.Of(path), RealPath.Of(signaturePath)))
        {
            // With -Force the signature would replace the file it signs, also when a link to its directory names it.
            throw new KmsSignatureException("SignaturePathIsInput", ErrorKind.InvalidArgument,
                $"The signature file for '{path}' would be the file itself; it is never overwritten with its signature.", path)
            {
                RecommendedAction = "Give -Destination another file or a directory, or leave it out to write <file>.sig.",
            };
        }

        CheckDestination(signaturePath, force);
    }

    /// <summary>Signs a file and prepares its signature file; <see cref="PendingSignatureFile.Commit"/> puts it at <paramref name="signaturePath"/>.</summary>
    public async Task<PendingSignatureFile> SignFileAsync(string path, string signaturePath, SignatureFileEncoding encoding, bool force,
        CancellationToken cancellationToken)
    {
        CheckFile(path, signaturePath, force);
        SigningMessage message;
        string sha256;
        long length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            (message, sha256, length) = stream.CanSeek
                ? await ReadFileAsync(stream, path, cancellationToken).ConfigureAwait(false)
                : await ReadUnseekableAsync(stream, path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KmsSignatureException("FileUnreadable", ErrorKind.ReadError, $"Cannot read '{path}': {ex.Message}", path, ex);
        }

        var signature = await Key.SignAsync(Algorithm, message, path, cancellationToken).ConfigureAwait(false);
        return new PendingSignatureFile(
            new KmsDetachedSignature(path, Path.GetFullPath(signaturePath), Key.KeyArn, Algorithm.KmsName, Name(message.Type), sha256, length, signature),
            Prepare(signaturePath, Encode(signature, encoding), force, cancellationToken));
    }

    /// <summary>Signs bytes in memory and prepares the signature file when <paramref name="signaturePath"/> is given (see <see cref="PendingSignatureFile.Commit"/>).</summary>
    public async Task<PendingSignatureFile> SignMessageAsync(byte[] content, string? signaturePath, SignatureFileEncoding encoding, bool force,
        CancellationToken cancellationToken)
    {
        if (signaturePath is not null)
        {
            CheckDestination(signaturePath, force);
        }

        CheckLength(content.Length, "the message");
        var message = Algorithm.AcceptsRaw ? SigningMessage.For(content, Algorithm, "the message") : SigningMessage.Digest(SigningMessage.HashOf(Algorithm, content));
        var signature = await Key.SignAsync(Algorithm, message, "the message", cancellationToken).ConfigureAwait(false);
        return new PendingSignatureFile(
            new KmsDetachedSignature(null, signaturePath is null ? null : Path.GetFullPath(signaturePath), Key.KeyArn, Algorithm.KmsName,
                Name(message.Type), Hex(SHA256.HashData(content)), content.Length, signature),
            signaturePath is null ? null : Prepare(signaturePath, Encode(signature, encoding), force, cancellationToken));
    }

    // The write and fsync happen here, on the Sign call's thread, so many run at once; only the rename waits for the result's turn.
    private static PreparedFile Prepare(string signaturePath, byte[] content, bool force, CancellationToken cancellationToken)
    {
        // Stopped while KMS signed: the result will be dropped, so spare the write.
        cancellationToken.ThrowIfCancellationRequested();
        return AtomicFile.Prepare(signaturePath, content, force);
    }

    public static byte[] Encode(byte[] signature, SignatureFileEncoding encoding) => encoding == SignatureFileEncoding.Base64
        ? System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(signature) + "\n")
        : signature;

    /// <summary>A signature file may be written at <paramref name="signaturePath"/>: not a directory, and not there already unless <paramref name="force"/>.</summary>
    public static void CheckDestination(string signaturePath, bool force)
    {
        if (Directory.Exists(signaturePath))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{signaturePath}' is a directory; a signature file was expected.", signaturePath);
        }

        if (!force && File.Exists(signaturePath))
        {
            throw new KmsSignatureException("SignatureFileExists", ErrorKind.ResourceExists,
                $"'{Path.GetFullPath(signaturePath)}' already exists; it is not overwritten without -Force.", signaturePath)
            {
                RecommendedAction = "Use -Force to replace it, or -Destination for another file.",
            };
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(signaturePath));
        if (directory is not null && !Directory.Exists(directory))
        {
            if (AtomicFile.ParentIsFile(signaturePath) is { } parentIsFile)
            {
                throw parentIsFile;
            }

            throw new KmsSignatureException("DestinationDirectoryNotFound", ErrorKind.ObjectNotFound,
                $"The directory '{directory}' for the signature file does not exist.", signaturePath);
        }
    }

    private void CheckLength(long length, object target)
    {
        if (Algorithm.AcceptsRaw && !Algorithm.AcceptsDigest && length > SigningMessage.MaxRawLength)
        {
            throw SigningMessage.TooLarge(Algorithm, length, target);
        }

        if (!Algorithm.AcceptsDigest && length == 0)
        {
            throw SigningMessage.Empty(Algorithm, target);
        }
    }

    private async Task<(SigningMessage Message, string Sha256, long Length)> ReadFileAsync(FileStream stream, string path, CancellationToken cancellationToken)
    {
        var length = stream.Length;
        CheckLength(length, path);
        if (Algorithm.AcceptsRaw && length <= SigningMessage.MaxRawLength)
        {
            // SigningMessage.For turns an empty file into the digest of nothing where the algorithm has one.
            var bytes = new byte[length];
            // Fewer bytes than its length (truncated meanwhile, or a sysfs file that always says 4096) is a change of
            // length too: ReadExactly's EndOfStreamException read as FileUnreadable "beyond the end of the stream".
            if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            {
                throw new KmsSignatureException("FileChanged", ErrorKind.ReadError, $"'{path}' shrank while it was being signed.", path);
            }

            if (stream.ReadByte() >= 0)
            {
                throw new KmsSignatureException("FileChanged", ErrorKind.ReadError, $"'{path}' grew while it was being signed.", path);
            }

            return InMemory(bytes, path);
        }

        var (digest, sha256, total) = await HashAsync(stream, default, cancellationToken).ConfigureAwait(false);
        return (SigningMessage.Digest(digest), sha256, total);
    }

    // A message read whole: RAW when it fits, and the SHA-256 shown to the user.
    private (SigningMessage Message, string Sha256, long Length) InMemory(byte[] bytes, string path) =>
        (SigningMessage.For(bytes, Algorithm, path), Hex(SHA256.HashData(bytes)), bytes.Length);

    private static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();

    // A named pipe (process substitution, a download piped in) or a device has no length, as Test-KmsSignature knows:
    // one byte past the RAW limit tells RAW from DIGEST, and the rest, if any, is hashed as it arrives.
    private async Task<(SigningMessage Message, string Sha256, long Length)> ReadUnseekableAsync(Stream stream, string path, CancellationToken cancellationToken)
    {
        var head = new byte[SigningMessage.MaxRawLength + 1];
        var count = 0;
        int read;
        while (count < head.Length && (read = await stream.ReadAsync(head.AsMemory(count), cancellationToken).ConfigureAwait(false)) > 0)
        {
            count += read;
        }

        if (count <= SigningMessage.MaxRawLength && Algorithm.AcceptsRaw)
        {
            return InMemory(head[..count], path);
        }

        var (digest, sha256, length) = await HashAsync(stream, head.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        if (!Algorithm.AcceptsDigest)
        {
            throw SigningMessage.TooLarge(Algorithm, length, path);
        }

        return (SigningMessage.Digest(digest), sha256, length);
    }

    // One pass computes the algorithm's digest and the SHA-256 shown to the user, over prefix (already read) and the rest.
    private async Task<(byte[] Digest, string Sha256, long Length)> HashAsync(Stream stream, ReadOnlyMemory<byte> prefix, CancellationToken cancellationToken)
    {
        var hash = Algorithm.AcceptsDigest ? Algorithm.Hash : HashAlgorithmName.SHA256; // pure Ed25519/ML-DSA: only counted, then refused
        using var digest = IncrementalHash.CreateHash(hash);
        using var sha256 = hash == HashAlgorithmName.SHA256 ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        digest.AppendData(prefix.Span);
        sha256?.AppendData(prefix.Span);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = prefix.Length;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                digest.AppendData(buffer, 0, read);
                sha256?.AppendData(buffer, 0, read);
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var result = digest.GetHashAndReset();
        return (result, Hex(sha256?.GetHashAndReset() ?? result), total);
    }

    private static string Name(MessageType type) => type == MessageType.Digest ? "DIGEST" : "RAW";
}

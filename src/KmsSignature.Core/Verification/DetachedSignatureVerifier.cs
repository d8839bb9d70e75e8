using System.Buffers;
using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Verification;

/// <summary>
/// Verifies detached signatures over bytes or files: the <c>openssl dgst -verify</c> workflow for KMS keys.
/// Build once, reuse from any thread. Files under 1 MiB are read whole into a pooled buffer in one call; larger
/// ones are hashed as streams with a pooled buffer (constant memory for any size), except for pure Ed25519 and
/// ML-DSA, which sign the message itself and read it whole (bounded).
/// Signatures may be binary or base64/base64url text; ECDSA may be DER (openssl, KMS) or R||S.
/// </summary>
public sealed class DetachedSignatureVerifier
{
    private const int BufferSize = 1024 * 1024;
    private readonly TrustStore trustStore;
    private readonly DetachedSignatureOptions options;

    public DetachedSignatureVerifier(TrustStore trustStore, DetachedSignatureOptions? options = null)
    {
        this.trustStore = trustStore;
        this.options = options ?? new DetachedSignatureOptions();
        if (this.options.Algorithm is { } algorithm && !trustStore.Verifiers.Any(v => v.Fits(algorithm) && this.options.Admits(v.Key.KeySpec)))
        {
            var named = this.options.KeySpecs is { } specs ? $" for {string.Join(" or ", specs.Select(s => s.ToKmsName()))} keys" : string.Empty;
            throw new KmsSignatureException("AlgorithmDoesNotFitKey", ErrorKind.InvalidArgument,
                $"{algorithm.KmsName}{named} does not fit any trusted key ({string.Join(", ", trustStore.Verifiers.Select(v => v.Key.KeySpecName).Distinct())}).",
                algorithm.KmsName);
        }

        if (this.options.MessageType == MessageType.Digest && this.options.Algorithm is { AcceptsDigest: false } raw)
        {
            throw new KmsSignatureException("DigestNotSupported", ErrorKind.InvalidArgument,
                $"{raw.KmsName} signs whole messages; it has no DIGEST message type. Give the message itself.", raw.KmsName);
        }
    }

    public DetachedSignatureOptions Options => options;

    /// <summary>
    /// This verifier's trust store and options with another algorithm: for an input that names the algorithm it was
    /// signed with (New-KmsSignature's output). Throws as the constructor does when the algorithm fits no trusted key
    /// or, with MessageType Digest, has no digest form.
    /// </summary>
    public DetachedSignatureVerifier WithAlgorithm(SignatureAlgorithm algorithm) =>
        new(trustStore, options with { Algorithm = algorithm, KeySpecs = null });

    /// <summary>
    /// As <see cref="WithAlgorithm(SignatureAlgorithm)"/> for an algorithm's KMS or JOSE name
    /// (<see cref="DetachedSignatureOptions.WithAlgorithm(string)"/>: a JOSE name checks only keys of the spec it names).
    /// </summary>
    public DetachedSignatureVerifier WithAlgorithm(string name) => new(trustStore, options.WithAlgorithm(name));

    /// <summary>The conventional signature file for a message file: <c>&lt;file&gt;.sig</c>.</summary>
    public static string DefaultSignaturePath(string path) => path + ".sig";

    /// <summary>Verifies a signature (file content: binary or base64/base64url text) over a message in memory.</summary>
    public VerificationResult Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        VerifyCore(new MessageSource(message, fromFile: false), signature, null, null);

    /// <summary>
    /// Verifies a signature over a stream (read once, to the end). A message longer than one read buffer (1 MiB)
    /// reports the bytes hashed so far to <paramref name="hashed"/> after each buffer, on the calling thread.
    /// <paramref name="cancellationToken"/> is checked after each buffer read (a stopped run need not read a large file
    /// or a pipe to its end); cancelled, it throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public VerificationResult Verify(Stream message, ReadOnlySpan<byte> signature, string? path = null, string? signaturePath = null, IProgress<long>? hashed = null,
        CancellationToken cancellationToken = default) =>
        VerifyCore(new MessageSource(message, hashed, cancellationToken), signature, path, signaturePath);

    /// <summary>
    /// Verifies <paramref name="path"/> against <paramref name="signaturePath"/> (default <c>&lt;path&gt;.sig</c>).
    /// A bad signature is a result; a missing or unreadable file throws <see cref="KmsSignatureException"/>
    /// (FileNotFound, SignatureFileNotFound, PathIsDirectory, FileUnreadable) with the path as target.
    /// A file over 1 MiB reports the bytes hashed so far to <paramref name="hashed"/> and checks <paramref name="cancellationToken"/>
    /// after each buffer, as <see cref="Verify(Stream, ReadOnlySpan{byte}, string?, string?, IProgress{long}?, CancellationToken)"/> does;
    /// a smaller file is read in one call and not checked. A message or signature that is a pipe or device is read so that a
    /// cancelled token also ends a read waiting for its writer (<see cref="StoppableReadStream"/>).
    /// </summary>
    public VerificationResult VerifyFile(string path, string? signaturePath = null, IProgress<long>? hashed = null, CancellationToken cancellationToken = default)
    {
        signaturePath ??= DefaultSignaturePath(path);
        // Open first, explain afterwards: the existence checks run only when an open fails, so a good file
        // costs two opens and its reads (issue 7: thousands of small files per second).
        using var message = Open(path, "FileNotFound", "File");
        using var signatureHandle = Open(signaturePath, "SignatureFileNotFound", "Signature file");
        try
        {
            var signature = ReadSignature(signatureHandle, cancellationToken);
            if (signature is null)
            {
                return FileResult(VerificationStatus.Malformed,
                    $"the signature file is larger than {SignatureEncoding.MaxSignatureFileLength} bytes, more than any signature takes", null, null, path, signaturePath);
            }

            var messageLength = SeekableLength(message);
            if (messageLength is > 0 and < BufferSize)
            {
                // Most signed files: read whole, in one call, into a pooled buffer.
                var buffer = ArrayPool<byte>.Shared.Rent((int)messageLength);
                try
                {
                    var read = ReadUpTo(message, buffer.AsSpan(0, (int)messageLength));
                    return VerifyCore(new MessageSource(buffer.AsSpan(0, read), fromFile: true), signature, path, signaturePath);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            // Large files are hashed as a stream; so are empty files, pipes and devices, read to their end (these so that a
            // stop ends a read that waits for a writer: the length already said which it is, so files pay nothing for it).
            using Stream stream = messageLength < 0
                ? new StoppableReadStream(new FileStream(message, FileAccess.Read, bufferSize: 0), cancellationToken)
                : new FileStream(message, FileAccess.Read, bufferSize: 0);
            return VerifyCore(new MessageSource(stream, hashed, cancellationToken), signature, path, signaturePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KmsSignatureException("FileUnreadable", ErrorKind.ReadError, $"Cannot read '{UntrustedText.ShowWhole(path)}' or its signature: {UntrustedText.ShowWhole(ex.Message)}", path, ex);
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open(string path, string missingId, string what)
    {
        try
        {
            // No SequentialScan: its fadvise call costs more than it saves on files that fit one read.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            if (Directory.Exists(path))
            {
                throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument, $"'{UntrustedText.ShowWhole(path)}' is a directory; a file was expected.", path);
            }

            if (!File.Exists(path))
            {
                throw new KmsSignatureException(missingId, ErrorKind.ObjectNotFound, $"{what} '{UntrustedText.ShowWhole(path)}' does not exist.", path);
            }

            throw new KmsSignatureException("FileUnreadable", ErrorKind.ReadError, $"Cannot read '{UntrustedText.ShowWhole(path)}': {UntrustedText.ShowWhole(ex.Message)}", path, ex);
        }
    }

    // A pipe or a device has no length; RandomAccess says so with NotSupportedException (documented).
    private static long SeekableLength(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        try
        {
            return RandomAccess.GetLength(handle);
        }
        catch (NotSupportedException)
        {
            return -1;
        }
    }

    // Files are read to the length they had when opened: one read call when nothing changes, and what was
    // read is what is checked when something does (a file that shrank is checked as far as it goes).
    private static int ReadUpTo(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer)
    {
        var total = 0;
        int read;
        while (total < buffer.Length && (read = RandomAccess.Read(handle, buffer[total..], total)) > 0)
        {
            total += read;
        }

        return total;
    }

    // Null when the signature is longer than any signature. A file is read to its length in one call; a pipe
    // (process substitution, a download piped in) has no length and is read to its end, or one byte past the limit,
    // checking the token after each read: a slow pipe must not hold up a stopped run.
    private static byte[]? ReadSignature(Microsoft.Win32.SafeHandles.SafeFileHandle handle, CancellationToken cancellationToken)
    {
        var length = SeekableLength(handle);
        if (length < 0)
        {
            using var pipe = new StoppableReadStream(new FileStream(handle, FileAccess.Read, bufferSize: 0), cancellationToken);
            return ReadBounded(pipe, SignatureEncoding.MaxSignatureFileLength, cancellationToken);
        }

        if (length > SignatureEncoding.MaxSignatureFileLength)
        {
            return null;
        }

        var buffer = new byte[length];
        var total = ReadUpTo(handle, buffer);
        return total == length ? buffer : buffer[..total];
    }

    private VerificationResult VerifyCore(MessageSource message, ReadOnlySpan<byte> signatureFile, string? path, string? signaturePath)
    {
        if (signatureFile.IsEmpty)
        {
            return FileResult(VerificationStatus.Malformed, "the signature is empty", null, null, path, signaturePath);
        }

        var signature = SignatureEncoding.Decode(signatureFile, out _);
        if (signature.Length == 0)
        {
            // Text of nothing: a newline, or the byte order mark and line end that Set-Content writes for an empty string.
            return FileResult(VerificationStatus.Malformed, "the signature is empty (the file holds only whitespace)", null, null, path, signaturePath);
        }

        var candidates = Candidates(out var pinnedElsewhere);
        if (candidates.Count == 0 && pinnedElsewhere is { } pinned)
        {
            return FileResult(VerificationStatus.AlgorithmNotAllowed,
                $"the key is pinned to alg '{UntrustedText.Show(pinned.Verifier.Key.Algorithm)}' by its JWK, the signature is checked as {pinned.Algorithm.KmsName}",
                pinned.Verifier.Key, pinned.Algorithm.KmsName, path, signaturePath);
        }

        if (candidates.Count == 0)
        {
            return FileResult(VerificationStatus.UntrustedKey, "no trusted key fits the algorithm", null, options.Algorithm?.KmsName, path, signaturePath);
        }

        // Whole-message algorithms need the bytes; hash-based ones need one pass of each distinct hash.
        // hasWhole, never whole.IsEmpty, says the bytes are there: the empty message is a message, and taking "none read"
        // for it made a file over the bound verify as the empty message.
        var whole = message.Bytes;
        var hasWhole = message.Stream is null;
        byte[]? readAhead = null;
        (KeyVerifier Verifier, SignatureAlgorithm Algorithm)? tooLarge = null;
        if (options.MessageType == MessageType.Digest || candidates.Exists(c => !c.Algorithm.AcceptsDigest))
        {
            var limit = options.MessageType == MessageType.Digest ? 1024 : options.MaxInMemoryMessageLength;
            if (!hasWhole)
            {
                if (ReadBounded(message.Stream!, limit, message.CancellationToken, out readAhead) is { } read)
                {
                    whole = read;
                    hasWhole = true;
                }
            }
            else if (message.FromFile && whole.Length > limit)
            {
                hasWhole = false; // a small file is still over the bound for this message type: same answer as streamed
            }

            if (!hasWhole)
            {
                if (options.MessageType == MessageType.Digest)
                {
                    var first = candidates[0];
                    return FileResult(VerificationStatus.Malformed, "a DIGEST message is a hash, not a large file",
                        first.Verifier.Key, first.Algorithm.KmsName, path, signaturePath);
                }

                // Only the whole-message keys cannot check a message this large: the keys that sign a hash still do, as
                // each would alone, and the answer is MessageTooLarge only when none of them verifies.
                tooLarge = candidates.Find(c => !c.Algorithm.AcceptsDigest);
                candidates = candidates.FindAll(c => c.Algorithm.AcceptsDigest);
                if (candidates.Count == 0)
                {
                    return TooLarge(tooLarge.Value, path, signaturePath);
                }
            }
        }

        // Each distinct hash is taken once, streamed or in memory, not once per candidate key; one candidate in memory
        // (most calls) hashes inside its own verifier.
        var digests = !hasWhole && message.Stream is { } stream
            ? HashStream(stream, readAhead, DistinctHashes(candidates), message.Hashed, message.CancellationToken)
            : options.MessageType == MessageType.Raw && (candidates.Count > 1 || !hasWhole) ? HashWhole(whole, DistinctHashes(candidates))
            : null;
        VerificationResult? last = null;
        foreach (var (verifier, algorithm) in candidates)
        {
            var result = VerifyOne(verifier, algorithm, whole, digests, signature, path, signaturePath);
            if (result.IsValid)
            {
                return result;
            }

            last = result;
        }

        return tooLarge is { } unverified ? TooLarge(unverified, path, signaturePath) : last!;
    }

    private VerificationResult TooLarge((KeyVerifier Verifier, SignatureAlgorithm Algorithm) candidate, string? path, string? signaturePath) =>
        FileResult(VerificationStatus.MessageTooLarge,
            $"{candidate.Algorithm.KmsName} signs the whole message, which must be read into memory; it is over {options.MaxInMemoryMessageLength} bytes",
            candidate.Verifier.Key, candidate.Algorithm.KmsName, path, signaturePath);

    // whole: the message (or the DIGEST) when it is in memory; unread when the message was streamed, and so hashed.
    private VerificationResult VerifyOne(KeyVerifier verifier, SignatureAlgorithm algorithm, ReadOnlySpan<byte> whole,
        Dictionary<HashAlgorithmName, byte[]>? digests, byte[] signature, string? path, string? signaturePath)
    {
        var key = verifier.Key;
        if (verifier is EcdsaKeyVerifier ecdsa)
        {
            var p1363 = new byte[2 * ecdsa.ScalarSize];
            if (signature.Length > 0 && signature[0] == 0x30 && EcdsaSignatureFormat.TryDerToP1363(signature, ecdsa.ScalarSize, p1363))
            {
                signature = p1363;
            }
            else if (signature.Length != 2 * ecdsa.ScalarSize)
            {
                return FileResult(VerificationStatus.InvalidSignature,
                    $"the ECDSA signature is neither strict DER nor {2 * ecdsa.ScalarSize}-byte R||S for {key.KeySpecName}{WrongKeyHint.For(signature.Length, key.KeySpec)}", key, algorithm.KmsName, path, signaturePath);
            }
        }

        bool valid;
        if (options.MessageType == MessageType.Digest)
        {
            var digest = whole;
            if (digest.Length != algorithm.DigestLength)
            {
                return FileResult(VerificationStatus.Malformed,
                    $"an {algorithm.KmsName} DIGEST is {algorithm.DigestLength} bytes, not {digest.Length}", key, algorithm.KmsName, path, signaturePath);
            }

            valid = verifier.VerifyDigest(algorithm, digest, signature);
        }
        else if (digests is not null && algorithm.AcceptsDigest)
        {
            valid = verifier.VerifyDigest(algorithm, digests[algorithm.Hash], signature);
        }
        else
        {
            valid = verifier.Verify(algorithm, whole, signature);
        }

        return valid
            ? FileResult(VerificationStatus.Valid, $"{algorithm.KmsName} signature verifies with a trusted {key.KeySpecName} key", key, algorithm.KmsName, path, signaturePath)
            : FileResult(VerificationStatus.InvalidSignature, $"the {algorithm.KmsName} signature does not verify with the {key.KeySpecName} key{WrongKeyHint.For(signature.Length, key.KeySpec)}{PssSaltHint.For(algorithm)}", key, algorithm.KmsName, path, signaturePath);
    }

    // Keys whose JWK pins another alg are passed over, as for tokens without kid; the first of them is returned in
    // pinnedElsewhere, so that "no key" can say it was the pin.
    private List<(KeyVerifier Verifier, SignatureAlgorithm Algorithm)> Candidates(out (KeyVerifier Verifier, SignatureAlgorithm Algorithm)? pinnedElsewhere)
    {
        pinnedElsewhere = null;
        var list = new List<(KeyVerifier, SignatureAlgorithm)>(trustStore.Count);
        foreach (var verifier in trustStore.Verifiers)
        {
            var algorithm = options.Algorithm ?? verifier.DefaultAlgorithm;
            if (options.Algorithm is null && options.MessageType == MessageType.Digest && !algorithm.AcceptsDigest)
            {
                // Ed25519 keys: a DIGEST can only be Ed25519ph.
                algorithm = SignatureAlgorithm.Ed25519PhSha512;
            }

            if (!verifier.Key.IsForVerification || !verifier.Fits(algorithm) || !options.Admits(verifier.Key.KeySpec)
                || (options.MessageType == MessageType.Digest && !algorithm.AcceptsDigest))
            {
                continue;
            }

            if (verifier.AllowsPinned(algorithm))
            {
                list.Add((verifier, algorithm));
            }
            else
            {
                pinnedElsewhere ??= (verifier, algorithm);
            }
        }

        return list;
    }

    // The hashes the candidates that sign a digest need, each once.
    private static List<HashAlgorithmName> DistinctHashes(List<(KeyVerifier Verifier, SignatureAlgorithm Algorithm)> candidates)
    {
        var names = new List<HashAlgorithmName>(1);
        foreach (var (_, algorithm) in candidates)
        {
            if (algorithm.AcceptsDigest && !names.Contains(algorithm.Hash))
            {
                names.Add(algorithm.Hash);
            }
        }

        return names;
    }

    private static Dictionary<HashAlgorithmName, byte[]> HashWhole(ReadOnlySpan<byte> message, List<HashAlgorithmName> names)
    {
        var result = new Dictionary<HashAlgorithmName, byte[]>(names.Count);
        foreach (var name in names)
        {
            result[name] = Sha2.HashData(name, message);
        }

        return result;
    }

    // readAhead: what ReadBounded took from a stream that cannot seek back before it found the message too large.
    private static Dictionary<HashAlgorithmName, byte[]> HashStream(
        Stream stream, byte[]? readAhead, List<HashAlgorithmName> names, IProgress<long>? hashed, CancellationToken cancellationToken)
    {
        var result = new Dictionary<HashAlgorithmName, byte[]>(names.Count);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var read = FillBuffer(stream, buffer.AsSpan(0, BufferSize), cancellationToken);
            if (readAhead is null && read < BufferSize)
            {
                // The whole message came in one buffer (most files): one-shot hashes, no incremental state.
                foreach (var name in names)
                {
                    result[name] = Sha2.HashData(name, buffer.AsSpan(0, read));
                }

                return result;
            }

            var hashes = names.ConvertAll(IncrementalHash.CreateHash);
            var total = 0L;
            try
            {
                if (readAhead is not null)
                {
                    hashes.ForEach(hash => hash.AppendData(readAhead));
                    total = readAhead.Length;
                }

                do
                {
                    foreach (var hash in hashes)
                    {
                        hash.AppendData(buffer, 0, read);
                    }

                    total += read;
                    hashed?.Report(total);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                while ((read = stream.Read(buffer, 0, BufferSize)) > 0);

                for (var i = 0; i < names.Count; i++)
                {
                    result[names[i]] = hashes[i].GetHashAndReset();
                }
            }
            finally
            {
                hashes.ForEach(h => h.Dispose());
            }

            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ReadAtLeast, checking the token between reads: a pipe that trickles can take minutes to fill the first buffer, and a
    // stopped run must not go on reading it (on the pipeline thread, or on a worker behind the user's back).
    private static int FillBuffer(Stream stream, Span<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer[total..])) > 0)
        {
            total += read;
            cancellationToken.ThrowIfCancellationRequested();
        }

        return total;
    }

    // Null when the stream holds more than limit bytes; then readAhead holds the bytes it took from the stream, if any.
    private static byte[]? ReadBounded(Stream stream, long limit, CancellationToken cancellationToken) =>
        ReadBounded(stream, limit, cancellationToken, out _);

    private static byte[]? ReadBounded(Stream stream, long limit, CancellationToken cancellationToken, out byte[]? readAhead)
    {
        readAhead = null;
        if (stream.CanSeek && stream.Length - stream.Position > limit)
        {
            return null;
        }

        using var memory = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (memory.Length + read > limit)
                {
                    memory.Write(buffer, 0, read);
                    readAhead = memory.ToArray();
                    return null;
                }

                memory.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return memory.ToArray();
    }

    private VerificationResult FileResult(VerificationStatus status, string reason, PublicKey? key, string? algorithm, string? path, string? signaturePath) =>
        new(status, reason, key, algorithm, path, signaturePath, options.MessageType);

    // A ref struct: the caller's bytes are checked where they lie, never copied.
    private readonly ref struct MessageSource
    {
        public MessageSource(ReadOnlySpan<byte> bytes, bool fromFile)
        {
            Bytes = bytes;
            FromFile = fromFile;
        }

        public MessageSource(Stream stream, IProgress<long>? hashed, CancellationToken cancellationToken)
        {
            Stream = stream;
            Hashed = hashed;
            CancellationToken = cancellationToken;
        }

        public ReadOnlySpan<byte> Bytes { get; }

        /// <summary>The bytes are a small file read whole: the in-memory bounds apply as if it had been streamed.</summary>
        public bool FromFile { get; }

        public Stream? Stream { get; }

        public IProgress<long>? Hashed { get; }

        public CancellationToken CancellationToken { get; }
    }
}

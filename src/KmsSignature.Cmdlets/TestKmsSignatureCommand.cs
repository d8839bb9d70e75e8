using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Verification;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Test-KmsSignature: verifies JWTs and detached signatures offline (issue 3 §4). Keys are parsed and the
/// verifier is built once in BeginProcessing; each record costs one Core call and one WriteObject.
/// A failed check is an output object; unreadable input is a non-terminating error; an unusable key source
/// is terminating.
/// </summary>
// Pipeline input binds to one parameter, -InputObject, and is dispatched by type (PipelineInput): strings are
// tokens, file objects are files. PowerShell fixes the parameter set before the first piped object, so tokens
// and files must share a set; and binding each object through several by-value/by-property-name parameters
// cost 6-14 µs per item (issue 7 profile), a large share of an RS256 check. One PSObject parameter costs ~2 µs.
[Cmdlet(VerbsDiagnostic.Test, "KmsSignature", DefaultParameterSetName = InputSet)]
[OutputType(typeof(VerificationResult), typeof(bool))]
public sealed class TestKmsSignatureCommand : KmsCmdletBase
{
    private const string InputSet = "TokenOrLiteralPath";
    private const string PathSet = "Path";
    private const string MessageSet = "Message";

    private readonly ProgressTicker progress;
    private readonly LargeFileProgress largeFiles = new();
    private readonly Action reportProgress;
    private Core.Verification.TrustStore? store;
    private TokenVerifier? tokenVerifier;
    private DetachedSignatureVerifier? detachedVerifier;
    private bool allValid = true;
    private long checkedCount;
    private long failedCount;
    private long erroredCount;
    private int fileTotal;
    private OrderedParallelRunner<(string Input, bool IsFile, string? SignaturePath, DetachedSignatureVerifier? Verifier), VerificationResult>? runner;
    private Dictionary<string, DetachedSignatureVerifier>? verifiersByAlgorithm;
    private readonly List<OrderedOutcome<VerificationResult>> ready = [];
    private bool commandLineInputDone;
    private bool takesInputObject;
    private string? lastSignaturePath;
    private string? lastSignatureLocation;
    private string? resolvedSignaturePath;
    private bool signaturePathIsDirectory;
    private bool keySourceFailed;

    public TestKmsSignatureCommand()
    {
        progress = new ProgressTicker(this, "Verifying signatures offline");
        reportProgress = ReportProgress;
    }

    /// <summary>Compact JWS/JWT tokens; surrounding whitespace and newlines are ignored.</summary>
    [Parameter(Position = 0, ParameterSetName = InputSet)]
    [AllowEmptyString]
    [AllowNull]
    public string?[]? Token { get; set; }

    /// <summary>
    /// What the pipeline sends: token strings, file objects (FileInfo, or any object with a LiteralPath, PSPath, FullName,
    /// LP or Path property), or objects with a Token property; an object's SignaturePath property is used too.
    /// </summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Files to verify (wildcards allowed); each against -SignaturePath or &lt;file&gt;.sig.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Files to verify, taken literally (piped file objects arrive through -InputObject).</summary>
    [Parameter(ParameterSetName = InputSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty] // '' would resolve to the current location
    public string[]? LiteralPath { get; set; }

    /// <summary>
    /// The signature file, or a directory holding &lt;file name&gt;.sig; default &lt;file&gt;.sig next to each file.
    /// A piped object's own SignaturePath property overrides it for that object.
    /// </summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = InputSet)]
    [ValidateNotNullOrEmpty]
    public string? SignaturePath { get; set; }

    /// <summary>The message bytes (or, with -MessageType Digest, their hash).</summary>
    [Parameter(Mandatory = true, ParameterSetName = MessageSet)]
    [AllowEmptyCollection]
    public byte[] Message { get; set; } = [];

    /// <summary>The signature bytes: binary, or base64/base64url text as bytes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MessageSet)]
    public byte[] Signature { get; set; } = [];

    /// <summary>PEM text, a path to a PEM/DER/JWK/JWKS file, a key object (with a Pem property) or several of them.</summary>
    [Parameter]
    [ValidatePublicKeyArgument] // '' would name the current directory as a key file
    public object? PublicKey { get; set; }

    /// <summary>A JWKS/JWK/PEM file or a directory of key files; tokens pick their key by kid.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty] // '' would make the current directory the trust store
    public string? TrustStore { get; set; }

    /// <summary>KMS key id, ARN, alias or alias ARN: the public key is fetched from KMS once, then verification is offline.</summary>
    [Parameter(ValueFromPipelineByPropertyName = false)]
    [Alias("Alias", "Arn", "KeyArn", "TargetKeyId")]
    public string[]? KeyId { get; set; }

    /// <summary>Tokens: the allowed JOSE algs (default: those that fit the key). Files: the one algorithm (KMS or JOSE name).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(VerificationAlgorithmCompleter))]
    public string[]? Algorithm { get; set; }

    /// <summary>Accepted iss values (tokens).</summary>
    [Parameter(ParameterSetName = InputSet)]
    [ValidateNotNullOrEmpty] // an empty list would turn the iss check off, not fail every token
    [UriAsTyped]
    public string[]? Issuer { get; set; }

    /// <summary>Accepted audiences; the token's aud must contain one (tokens).</summary>
    [Parameter(ParameterSetName = InputSet)]
    [ValidateNotNullOrEmpty] // an empty list would turn the aud check off, not fail every token
    [UriAsTyped]
    public string[]? Audience { get; set; }

    /// <summary>Refuse tokens without exp (ClaimMismatch): RFC 7519 makes exp optional, so such a token would never expire.</summary>
    [Parameter(ParameterSetName = InputSet)]
    public SwitchParameter RequireExpiration { get; set; }

    /// <summary>Tolerance for exp and nbf; default 60 seconds.</summary>
    [Parameter(ParameterSetName = InputSet)]
    public TimeSpan ClockSkew { get; set; } = TokenValidationOptions.DefaultClockSkew;

    /// <summary>Verify as of this time instead of now.</summary>
    [Parameter(ParameterSetName = InputSet)]
    public DateTimeOffset At { get; set; }

    /// <summary>Accept DER-encoded ECDSA signatures in tokens (non-standard; the result says so).</summary>
    [Parameter(ParameterSetName = InputSet)]
    public SwitchParameter AllowDerSignature { get; set; }

    /// <summary>Raw (default): the input is the message. Digest: the input is already its hash (files and -Message).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = InputSet)]
    [Parameter(ParameterSetName = MessageSet)]
    [ValidateSet("Raw", "Digest", IgnoreCase = true)]
    public string MessageType { get; set; } = "Raw";

    /// <summary>
    /// Verify on this many worker threads (default 1: on the pipeline thread). Output keeps input order and the
    /// number of items in flight is bounded, so memory stays flat for any input length.
    /// </summary>
    [Parameter(ParameterSetName = InputSet)]
    [Parameter(ParameterSetName = PathSet)]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>Return one bool: true when at least one item was checked and every item was valid.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            // Decided once: the per-object path should cost as little as possible (issue 7).
            takesInputObject = MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(InputObject));
            TokenValidationOptions.RequireValidClockSkew(ClockSkew);
            store = BuildTrustStore();
            if (ParameterSetName == InputSet)
            {
                tokenVerifier = new TokenVerifier(store, new TokenValidationOptions
                {
                    AllowedAlgorithms = Algorithm is null ? null : ParseJwsAlgorithms(Algorithm),
                    Issuers = Issuer,
                    Audiences = Audience,
                    ClockSkew = ClockSkew,
                    RequireExpiration = RequireExpiration,
                    At = MyInvocation.BoundParameters.ContainsKey(nameof(At)) ? At : null,
                    AllowDerSignature = AllowDerSignature,
                });
            }
            else
            {
                detachedVerifier = BuildDetachedVerifier(store);
            }

            if (ThrottleLimit > 1)
            {
                runner = new(item => item.IsFile
                    ? largeFiles.VerifyFile(item.Verifier!, item.Input, item.SignaturePath, reported: null, CancellationToken)
                    : tokenVerifier!.Verify(item.Input), ThrottleLimit, waiting: reportProgress, cancellationToken: CancellationToken);
            }
        }
        catch (KmsSignatureException ex)
        {
            NothingCanVerify(ex);
        }
    }

    // No key source or options to verify with (a key source that cannot be used, a KMS key that cannot be fetched, an option
    // out of range), so no input can be valid. Without -Quiet the command stops. With -Quiet it answers false: in a script a
    // terminating error ends only its statement, so `if (-not (... -Quiet)) { throw }` skipped its throw and the script went
    // on as if every input were valid. Non-terminating even for an error that ends a run elsewhere (an unreachable
    // endpoint): no later input is checked here anyway.
    private void NothingCanVerify(KmsSignatureException ex)
    {
        if (!Quiet)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }

        keySourceFailed = true;
        allValid = false;
        WriteError(ErrorRecords.From(ex));
    }

    protected override void ProcessRecord()
    {
        if (keySourceFailed)
        {
            return;
        }

        switch (ParameterSetName)
        {
            case MessageSet:
                Emit(detachedVerifier!.Verify(Message, Signature));
                break;
            case PathSet:
                // Every pattern is resolved first, so progress can show a percentage of the files matched; a pattern
                // that matches nothing keeps its place, so its error comes between the results around it.
                var patterns = Path.Select(ResolvePattern).ToList();
                fileTotal = patterns.Sum(pattern => pattern.Error is null ? pattern.Files.Count : 1);
                foreach (var (files, error) in patterns)
                {
                    if (error is not null)
                    {
                        ItemFailed(error);
                        continue;
                    }

                    foreach (var file in files)
                    {
                        VerifyFile(file, SignaturePath);
                    }
                }

                break;
            default:
                VerifyCommandLineInput();
                if (takesInputObject)
                {
                    Dispatch(InputObject);
                }

                break;
        }
    }

    // -Token and -LiteralPath values are taken once, before the first piped object (or at the end, when an
    // empty pipeline never called ProcessRecord).
    private void VerifyCommandLineInput()
    {
        if (commandLineInputDone || ParameterSetName != InputSet)
        {
            return;
        }

        commandLineInputDone = true;
        foreach (var token in Token ?? [])
        {
            VerifyToken(token ?? string.Empty);
        }

        foreach (var literal in LiteralPath ?? [])
        {
            VerifyFile(literal, SignaturePath);
        }
    }

    private void Dispatch(PSObject? input)
    {
        var item = PipelineInput.Classify(input);
        switch (item.Kind)
        {
            case PipelineInputKind.Token:
                VerifyToken(item.Value!);
                break;
            case PipelineInputKind.File:
                VerifyFile(item.Value!, item.SignaturePath ?? SignaturePath, item.Algorithm, item.IsFileSystemPath);
                break;
            case PipelineInputKind.Many:
                foreach (var element in item.Items!)
                {
                    Dispatch(element is null ? null : PSObject.AsPSObject(element));
                }

                break;
            default:
                ItemFailed(new KmsSignatureException("InputNotRecognized", ErrorKind.InvalidArgument,
                    $"A {input!.BaseObject.GetType().Name} is neither a token nor a file: pipe token strings, file objects, or objects with a Token, LiteralPath, PSPath, FullName, LP or Path property.",
                    PlainValues.AsTarget(input)));
                break;
        }
    }

    private void VerifyToken(string token)
    {
        if (runner is null)
        {
            Emit(tokenVerifier!.Verify(token));
        }
        else
        {
            runner.Add((token, false, null, null), ready);
            EmitReady();
        }
    }

    // An item found unusable on the pipeline thread: with -ThrottleLimit its error waits for the items before it.
    private void ItemFailed(KmsSignatureException error)
    {
        if (runner is null)
        {
            WriteItemError(ErrorRecords.From(error));
        }
        else
        {
            runner.AddFailed(error, ready);
            EmitReady();
        }
    }

    private DetachedSignatureVerifier BuildDetachedVerifier(Core.Verification.TrustStore trustStore)
    {
        if (Algorithm is { Length: > 1 })
        {
            throw new KmsSignatureException("UnknownAlgorithm", ErrorKind.InvalidArgument,
                "A detached signature has one algorithm; give a single -Algorithm.", string.Join(", ", Algorithm));
        }

        var options = new DetachedSignatureOptions
        {
            MessageType = string.Equals(MessageType, "Digest", StringComparison.OrdinalIgnoreCase)
                ? Core.Verification.MessageType.Digest
                : Core.Verification.MessageType.Raw,
        };
        return new DetachedSignatureVerifier(trustStore, Algorithm is { Length: 1 } ? options.WithAlgorithm(Algorithm[0]) : options);
    }

    protected override void EndProcessing()
    {
        if (keySourceFailed)
        {
            // Files already handed to the workers finish first (their outcomes no longer matter): no worker outlives the command.
            runner?.Complete(ready);
            ready.Clear();
            progress.Complete();
            WriteObject(false);
            return;
        }

        VerifyCommandLineInput();
        if (runner is not null)
        {
            // Batch by batch: what is done goes out (and a downstream `Select -First` may end the run) while a slow
            // file is still being read.
            while (runner.CompleteNext(ready))
            {
                EmitReady();
            }
        }

        progress.Complete();

        if (Quiet)
        {
            WriteObject(allValid && checkedCount > 0);
        }
    }

    private void Emit(VerificationResult result)
    {
        checkedCount++;
        if (!result.IsValid)
        {
            allValid = false;
            failedCount++;
        }

        if (!Quiet)
        {
            WriteObject(result);
        }

        ReportProgress();
    }

    // Unreadable input (a missing file, an object that is neither token nor file) counts as a failed item.
    private void WriteItemError(ErrorRecord error)
    {
        allValid = false;
        failedCount++;
        erroredCount++;
        WriteError(error);
        ReportProgress();
    }

    private void ReportProgress()
    {
        if (progress.Due)
        {
            WriteOverallProgress();
            WriteLargeFileProgress();
        }
    }

    // Each large file being hashed (one at a time, or one per worker with -ThrottleLimit) gets its own record
    // under the overall one.
    private void WriteLargeFileProgress()
    {
        var hashing = largeFiles.Snapshot();
        for (var slot = 0; slot < hashing.Count; slot++)
        {
            var (file, hashed, length) = hashing[slot];
            progress.WriteDetail(slot, HashingActivity(file), HashingStatus(hashed, length), HashingPercent(hashed, length));
        }

        progress.CompleteDetail(fromSlot: hashing.Count);
    }

    // The name is the sender's, and the host writes the activity to the console as it is.
    private static string HashingActivity(string file) => $"Hashing {UntrustedText.ShowWhole(System.IO.Path.GetFileName(file))}";

    // The length is 0 for a pipe or a device: no "of N MiB" and no percentage then.
    private static string HashingStatus(long hashed, long length) =>
        length >= hashed ? $"{hashed >> 20:N0} of {length >> 20:N0} MiB" : $"{hashed >> 20:N0} MiB";

    private static int HashingPercent(long hashed, long length) => length >= hashed && length > 0 ? (int)(hashed * 100 / length) : -1;

    // Progress only: a file that vanished while open hashes on, with no length to show.
    private static long LengthOrZero(string file)
    {
        try
        {
            return new FileInfo(file).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private void WriteOverallProgress()
    {
        var done = checkedCount + erroredCount;
        progress.Write(
            $"{done:N0} done, {failedCount:N0} not valid or unreadable, {done / progress.Elapsed:N0}/s",
            fileTotal > 0 ? (int)Math.Min(100, done * 100 / fileTotal) : -1);
    }

    /// <summary>
    /// Files over 1 MiB being hashed, and how far each got (Core reports after each 1 MiB, so small files never
    /// appear). Only the pipeline thread may write progress: in sequential runs it hashes and calls back as each
    /// report comes; with -ThrottleLimit, workers only record, and the pipeline thread writes when it is due.
    /// </summary>
    private sealed class LargeFileProgress
    {
        private readonly List<FileEntry> hashing = [];

        public VerificationResult VerifyFile(DetachedSignatureVerifier verifier, string file, string? signaturePath, Action? reported, CancellationToken cancellationToken)
        {
            var entry = new FileEntry(this, file, reported);
            try
            {
                return verifier.VerifyFile(file, signaturePath, entry, cancellationToken);
            }
            finally
            {
                if (entry.Listed)
                {
                    lock (hashing)
                    {
                        hashing.Remove(entry);
                    }
                }
            }
        }

        public List<(string File, long Hashed, long Length)> Snapshot()
        {
            lock (hashing)
            {
                return hashing.ConvertAll(e => (e.File, Volatile.Read(ref e.Hashed), e.Length));
            }
        }

        private sealed class FileEntry(LargeFileProgress owner, string file, Action? reported) : IProgress<long>
        {
            public long Hashed;

            public string File => file;

            public long Length { get; private set; }

            public bool Listed { get; private set; }

            public void Report(long value)
            {
                Volatile.Write(ref Hashed, value);
                if (!Listed)
                {
                    Length = LengthOrZero(file);
                    lock (owner.hashing)
                    {
                        owner.hashing.Add(this);
                    }

                    Listed = true;
                }

                reported?.Invoke();
            }
        }
    }

    // isFileSystemPath: the path is a FileInfo's FullName and must not be resolved again.
    private void VerifyFile(string literal, string? signaturePath, string? algorithm = null, bool isFileSystemPath = false)
    {
        // Before the verifier is made: a failed build is not tried again (nor its error written again) for the next file of
        // a piped list.
        if (keySourceFailed)
        {
            return;
        }

        if (detachedVerifier is null)
        {
            // Files in the token/file set: the detached verifier is made on the first file, once.
            try
            {
                detachedVerifier = BuildDetachedVerifier(store!);
            }
            catch (KmsSignatureException ex)
            {
                NothingCanVerify(ex);
                return;
            }
        }

        // Paths resolve here, on the pipeline thread (SessionState is not thread-safe); workers only verify. A path that
        // cannot be a file (no such drive, another provider) is that item's error, not the end of the run.
        string file;
        string? signature;
        DetachedSignatureVerifier verifier;
        try
        {
            file = isFileSystemPath ? literal : ProviderPath(literal);
            signature = SignatureFor(file, signaturePath);
            verifier = VerifierFor(algorithm);
        }
        catch (KmsSignatureException ex)
        {
            ItemFailed(ex);
            return;
        }

        if (runner is not null)
        {
            runner.Add((file, true, signature, verifier), ready);
            EmitReady();
            return;
        }

        try
        {
            var result = largeFiles.VerifyFile(verifier, file, signature, reportProgress, CancellationToken);
            progress.CompleteDetail();
            Emit(result);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // Stopped while a large file was being hashed: no result and no error for it, the run just ends.
            throw new PipelineStoppedException();
        }
        catch (KmsSignatureException ex)
        {
            progress.CompleteDetail();
            WriteItemError(ErrorRecords.From(ex));
        }
    }

    // A plain absolute file-system path (a CSV row's, New-KmsSignature's FullName) needs no provider resolution, which
    // costs tens of microseconds per file (issue 7 profile); provider-qualified (PSPath), relative and ~ paths still resolve.
    private string ProviderPath(string literal) =>
        IsPlainAbsolutePath(literal) ? literal : FileSystemPathOf(literal, "FileNotFound", "File");

    private static bool IsPlainAbsolutePath(string path) =>
        System.IO.Path.IsPathFullyQualified(path) && !path.Contains("::", StringComparison.Ordinal);

    // FileSystemPath, with a path on a drive or provider that does not exist reported like a missing file.
    private string FileSystemPathOf(string path, string missingId, string what)
    {
        try
        {
            return FileSystemPath(path);
        }
        catch (SessionStateException ex)
        {
            throw new KmsSignatureException(missingId, ErrorKind.ObjectNotFound, $"{what} '{UntrustedText.ShowWhole(path)}' does not exist: {UntrustedText.ShowWhole(ex.Message)}", path, ex);
        }
    }

    // Output and errors are written here only, on the pipeline thread, in input order.
    private void EmitReady()
    {
        foreach (var outcome in ready)
        {
            if (outcome.Error is KmsSignatureException ex)
            {
                WriteItemError(ErrorRecords.From(ex));
            }
            else if (outcome.Error is OperationCanceledException && CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            else if (outcome.Error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Error);
            }
            else
            {
                Emit(outcome.Value!);
            }
        }

        ready.Clear();
    }

    // A piped object that names its algorithm (New-KmsSignature output, a manifest row) is checked with it, so a PSS or
    // Ed25519ph signature round-trips; -Algorithm, when given, wins. One verifier per algorithm named, made once.
    private DetachedSignatureVerifier VerifierFor(string? algorithm)
    {
        // Blank is none: an Import-Csv row with an empty Algorithm column.
        if (string.IsNullOrWhiteSpace(algorithm) || Algorithm is { Length: > 0 })
        {
            return detachedVerifier!;
        }

        // By the exact name: JOSE names are case-sensitive (a cache keyed case-insensitively handed 'es256' the verifier
        // of an 'ES256' seen before; alone, it is UnknownAlgorithm), and ES256 and ES256K name different curves.
        verifiersByAlgorithm ??= new(StringComparer.Ordinal);
        if (!verifiersByAlgorithm.TryGetValue(algorithm, out var verifier))
        {
            verifier = detachedVerifier!.WithAlgorithm(algorithm);
            verifiersByAlgorithm.Add(algorithm, verifier);
        }

        return verifier;
    }

    private string? SignatureFor(string file, string? signaturePath)
    {
        if (signaturePath is null)
        {
            return null;
        }

        // Usually the same -SignaturePath for every file: resolve it once, not per file. A relative one resolves
        // again when the location changed (a ForEach-Object upstream may Set-Location between items).
        var location = IsPlainAbsolutePath(signaturePath) ? null : SessionState.Path.CurrentLocation.Path;
        if (!string.Equals(signaturePath, lastSignaturePath, StringComparison.Ordinal)
            || !string.Equals(location, lastSignatureLocation, StringComparison.Ordinal))
        {
            resolvedSignaturePath = FileSystemPathOf(signaturePath, "SignatureFileNotFound", "Signature file");
            signaturePathIsDirectory = Directory.Exists(resolvedSignaturePath);
            lastSignaturePath = signaturePath;
            lastSignatureLocation = location;
        }

        return signaturePathIsDirectory
            ? System.IO.Path.Combine(resolvedSignaturePath!, System.IO.Path.GetFileName(file) + ".sig")
            : resolvedSignaturePath;
    }

    private (Collection<string> Files, KmsSignatureException? Error) ResolvePattern(string pattern)
    {
        Collection<string> files;
        try
        {
            files = FileSystemPaths(pattern);
        }
        catch (KmsSignatureException ex)
        {
            return ([], ex); // NotAFileSystemPath
        }
        catch (ItemNotFoundException ex)
        {
            return ([], new KmsSignatureException("FileNotFound", ErrorKind.ObjectNotFound, $"File '{UntrustedText.ShowWhole(pattern)}' does not exist.", pattern, ex));
        }
        catch (SessionStateException ex)
        {
            // No such drive or provider: that pattern's error, as for -LiteralPath, not the end of the run.
            return ([], new KmsSignatureException("FileNotFound", ErrorKind.ObjectNotFound, $"File '{UntrustedText.ShowWhole(pattern)}' does not exist: {UntrustedText.ShowWhole(ex.Message)}", pattern, ex));
        }

        return files.Count == 0
            ? (files, new KmsSignatureException("FileNotFound", ErrorKind.ObjectNotFound, $"No file matches '{UntrustedText.ShowWhole(pattern)}'.", pattern))
            : (files, null);
    }

    private Core.Verification.TrustStore BuildTrustStore()
    {
        var sources = (PublicKey is null ? 0 : 1) + (TrustStore is null ? 0 : 1) + (KeyId is null ? 0 : 1);
        if (sources != 1)
        {
            throw new KmsSignatureException(sources == 0 ? "NoKeySource" : "ConflictingKeySources", ErrorKind.InvalidArgument,
                sources == 0
                    ? "Say which key to trust: -PublicKey (PEM text, a key file, or a key object), -TrustStore (a JWKS file or a key directory) or -KeyId (a KMS key)."
                    : "Give one key source: -PublicKey, -TrustStore or -KeyId.",
                null);
        }

        if (TrustStore is not null)
        {
            Core.Verification.TrustStore.RejectNonPath(TrustStore);
            return Core.Verification.TrustStore.Load(FileSystemPath(TrustStore));
        }

        if (KeyId is not null)
        {
            return ResolveKmsKeys(KeyId);
        }

        var keys = new List<PublicKey>();
        AddKeys(PublicKey, keys);
        return Core.Verification.TrustStore.FromKeys(keys, "-PublicKey");
    }

    /// <summary>
    /// -KeyId: each key's public key comes from KMS GetPublicKey once per session (key ids and ARNs are cached,
    /// aliases re-resolved so a moved alias is noticed); verification itself never calls KMS.
    /// </summary>
    private Core.Verification.TrustStore ResolveKmsKeys(string[] keyIds)
    {
        // A typo fails here, before any AWS configuration is looked at or any call is made.
        foreach (var keyId in keyIds)
        {
            KmsKeyIdentifier.Parse(keyId);
        }

        // Not Connection: with -Quiet a connection that cannot be made answers false too (NothingCanVerify).
        var resolver = new KmsPublicKeyResolver(ConnectionOrException(), log: Log);
        var keys = Run(async cancel =>
        {
            var resolved = new List<PublicKey>(keyIds.Length);
            foreach (var keyId in keyIds)
            {
                resolved.Add(await resolver.ResolveAsync(keyId, cancel).ConfigureAwait(false));
            }

            return resolved;
        });
        return Core.Verification.TrustStore.FromKeys(keys, "-KeyId");
    }

    private void AddKeys(object? value, List<PublicKey> keys)
    {
        switch (value is PSObject ps ? ps.BaseObject : value)
        {
            case null:
                return;
            case PublicKey key:
                keys.Add(key);
                return;
            case byte[] bytes:
                keys.AddRange(Core.Keys.PublicKey.ParseAll(bytes, "-PublicKey"));
                return;
            case string text:
                AddKeysFromText(text, keys);
                return;
            case FileSystemInfo file: // a DirectoryInfo too: LoadFile names it PathIsDirectory
                keys.AddRange(Core.Keys.PublicKey.LoadFile(file.FullName));
                return;
            case IEnumerable many:
                var items = many.Cast<object?>().Select(ValidatePublicKeyArgumentAttribute.Unwrap).ToList();
                if (ValidatePublicKeyArgumentAttribute.KeyFileText(items) is { } lines)
                {
                    AddKeysFromText(lines, keys); // -PublicKey (Get-Content key.pem): the lines of one file
                    return;
                }

                foreach (var item in items)
                {
                    AddKeys(item, keys);
                }

                return;
        }

        // Key objects from other cmdlets (KmsPublicKey) carry the key as PEM and JWK; read them by name, not by type.
        var wrapped = PSObject.AsPSObject(value);
        var pem = TextProperty(wrapped, "Pem");
        var jwk = TextProperty(wrapped, "Jwk");
        if (pem is not null || jwk is not null)
        {
            keys.AddRange(Core.Keys.PublicKey.FromKeyObject(pem, jwk, "-PublicKey"));
            return;
        }

        throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidArgument,
            $"-PublicKey got a {wrapped.BaseObject.GetType().Name}; give PEM text, a key file path, or a key object with a Pem property.",
            wrapped.BaseObject);
    }

    // Text from Get-Content stays wrapped in a PSObject (it carries PSPath notes) when stored in a hashtable or object.
    private static string? TextProperty(PSObject item, string name) =>
        item.Properties[name]?.Value switch
        {
            string text => text,
            PSObject { BaseObject: string text } => text,
            _ => null,
        };

    private void AddKeysFromText(string text, List<PublicKey> keys)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IndexOf("-----BEGIN".AsSpan(), StringComparison.Ordinal) >= 0 || (trimmed.Length > 0 && trimmed[0] == '{'))
        {
            keys.AddRange(Core.Keys.PublicKey.ParseAll(text, "-PublicKey"));
            return;
        }

        keys.AddRange(Core.Keys.PublicKey.LoadFile(FileSystemPath(text)));
    }

    private static JwsAlgorithm[] ParseJwsAlgorithms(string[] names)
    {
        var result = new List<JwsAlgorithm>();
        foreach (var name in names)
        {
            if (JwsAlgorithm.TryParse(name, out var jws))
            {
                result.Add(jws);
            }
            else if (SignatureAlgorithm.TryFromKmsName(name, out var kms))
            {
                // A KMS name stands for every JOSE alg made with it (ECDSA_SHA_256 = ES256 and ES256K).
                result.AddRange(JwsAlgorithm.All.Where(a => a.KmsAlgorithm == kms));
            }
            else
            {
                throw new KmsSignatureException("UnknownAlgorithm", ErrorKind.InvalidArgument,
                    $"'{name}' is not a JWS algorithm. Use one of: {string.Join(", ", JwsAlgorithm.All.Select(a => a.Name))}.", name);
            }
        }

        return [.. result];
    }
}

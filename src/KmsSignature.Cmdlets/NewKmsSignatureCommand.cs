using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Verification;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Detached signatures with a KMS key: signs files (or bytes) and writes <c>&lt;file&gt;.sig</c> that
/// <c>openssl dgst -verify</c> and Test-KmsSignature accept. Files over 4096 bytes are hashed locally as a stream.
/// </summary>
[Cmdlet(VerbsCommon.New, "KmsSignature", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KmsDetachedSignature))]
public sealed class NewKmsSignatureCommand : KmsCmdletBase
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string MessageSet = "Message";

    private readonly SignaturePathClaims claims = new();
    private SignerPerKey<DetachedSigner>? signers;
    private OrderedPipelineWindow<PendingSignatureFile>? window;
    private string? destination; // -Destination as a file-system path

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ResolvedPathAsLiteral] // Resolve-Path output names resolved paths: '[b].txt' is that file, not a pattern matching b.txt
    public string[] Path { get; set; } = null!;

    // FullName: a FileInfo (or any object naming a file) binds here by property name before PowerShell would coerce
    // it to a string for -Path, where "x[1].txt" is a wildcard that matches "x1.txt".
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = MessageSet)]
    [ValidateNotNull]
    [AllowEmptyCollection] // an empty message is signed through its digest where the algorithm has one
    public byte[] Message { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Alias", "Arn", "KeyArn", "TargetKeyId")]
    [ValidateNotNullOrEmpty]
    public string KeyId { get; set; } = null!;

    [Parameter]
    [ValidateSet("RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256",
        "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512", "ED25519_SHA_512",
        "ED25519_PH_SHA_512", "ML_DSA_SHAKE_256")]
    public string? Algorithm { get; set; }

    /// <summary>A signature file, or a directory that receives &lt;name&gt;.sig for each file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    // A string, not Core's enum: PowerShell lays out cmdlet types before the module's load context can resolve Core.
    [Parameter]
    [ValidateSet("Binary", "Base64")]
    public string Encoding { get; set; } = "Binary";

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 16;

    protected override void BeginProcessing()
    {
        try
        {
            destination = Destination is null ? null : FileSystemPath(Destination, writing: true);
        }
        catch (KmsSignatureException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }

        // The Sign calls in flight prepare their files (the costly write and fsync, in parallel); each is put in place here, on
        // the pipeline thread as its result is reported in order, and the rest are discarded: a run that stops (Ctrl+C,
        // -ErrorAction Stop) leaves nothing it does not report.
        window = new OrderedPipelineWindow<PendingSignatureFile>(this, ThrottleLimit, "Signing files with KMS", WriteSignatureFile, WriteError,
            release: pending => pending.Discard());
        signers = new(CreateSigner, keysPiped: !MyInvocation.BoundParameters.ContainsKey(nameof(KeyId)), terminate: ex =>
        {
            window.Drain();
            ThrowTerminatingError(ErrorRecords.From(ex));
        });
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == MessageSet)
        {
            // What fails without a KMS call fails under -WhatIf too.
            if (destination is not null)
            {
                try
                {
                    DetachedSigner.CheckDestination(destination, Force);
                    claims.ClaimForMessage(destination, KeyId);
                }
                catch (KmsSignatureException ex)
                {
                    window!.AddFailed(ex);
                    return;
                }
            }

            if (!ShouldProcess(destination ?? $"{Message.Length} bytes", $"Sign with KMS key {KeyId}", out var whatIfMessage))
            {
                if (destination is not null && !whatIfMessage)
                {
                    claims.ReleaseForMessage(destination, KeyId);
                }
            }
            else
            {
                var current = signers!.Get(KeyId, out var keyError);
                window!.Add(ct => current is null
                    ? Task.FromException<PendingSignatureFile>(keyError!)
                    : current.SignMessageAsync(Message, destination, FileEncoding, Force, ct));
            }

            return;
        }

        foreach (var (path, error) in ResolvePaths())
        {
            if (error is not null)
            {
                // In this input's place among the results, like every other per-item failure.
                window!.AddFailed(error);
                continue;
            }

            // What fails without a KMS call (a directory, an existing signature file, a signature path this run already
            // writes) fails under -WhatIf too, in this item's place; signing checks again, as files may change meanwhile.
            var signaturePath = SignaturePathFor(path!);
            try
            {
                DetachedSigner.CheckPaths(path!, signaturePath, Force);
                claims.Claim(path!, signaturePath);
            }
            catch (KmsSignatureException ex)
            {
                window!.AddFailed(ex);
                continue;
            }

            if (!ShouldProcess(path!, $"Sign with KMS key {KeyId} and write {signaturePath}", out var whatIf))
            {
                if (!whatIf)
                {
                    claims.Release(path!, signaturePath);
                }

                continue;
            }

            var current = signers!.Get(KeyId, out var keyError);
            window!.Add(ct => current is null
                ? Task.FromException<PendingSignatureFile>(keyError!)
                : Task.Run(() => current.SignFileAsync(path!, signaturePath, FileEncoding, Force, ct), ct));
        }
    }

    protected override void EndProcessing() => window?.Drain();

    protected override void OnRunEnded() => window?.DropUnwritten();

    private void WriteSignatureFile(PendingSignatureFile pending)
    {
        // A run stopping makes WriteObject throw: committed first, the file would stay for an item never reported.
        // Thrown here, the window discards it with the rest.
        if (Stopping || CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        KmsDetachedSignature written;
        try
        {
            written = pending.Commit();
        }
        catch (KmsSignatureException ex)
        {
            WriteError(ex);
            return;
        }

        WriteObject(written);
    }

    private SignatureFileEncoding FileEncoding => Enum.Parse<SignatureFileEncoding>(Encoding, ignoreCase: true);

    // Each input becomes a file system path or its error: a bad one (no such drive, another provider, nothing matches)
    // must not end the run, and a path of another provider must never be taken as a file name.
    private List<(string? Path, KmsSignatureException? Error)> ResolvePaths()
    {
        var resolved = new List<(string?, KmsSignatureException?)>();
        foreach (var input in ParameterSetName == LiteralPathSet ? LiteralPath : Path)
        {
            try
            {
                IReadOnlyList<string> paths = ParameterSetName == LiteralPathSet ? [FileSystemPath(input)] : FileSystemPaths(input);
                if (paths.Count == 0)
                {
                    resolved.Add((null, NotFound(input))); // a wildcard that matches nothing resolves to an empty list
                }
                else
                {
                    resolved.AddRange(paths.Select(p => ((string?)p, (KmsSignatureException?)null)));
                }
            }
            catch (KmsSignatureException ex)
            {
                resolved.Add((null, ex)); // NotAFileSystemPath
            }
            catch (SessionStateException)
            {
                // ItemNotFound, DriveNotFound, ProviderNotFound.
                resolved.Add((null, NotFound(input)));
            }
        }

        return resolved;
    }

    private static KmsSignatureException NotFound(string pattern) =>
        new("FileNotFound", ErrorKind.ObjectNotFound, $"No file matches '{UntrustedText.ShowWhole(pattern)}'.", pattern);

    private string SignaturePathFor(string path)
    {
        if (destination is null)
        {
            return DetachedSigner.DefaultSignaturePath(path);
        }

        return Directory.Exists(destination)
            ? System.IO.Path.Combine(destination, System.IO.Path.GetFileName(path) + ".sig")
            : destination;
    }

    // Made on the first item that will really be signed (see SignerPerKey).
    private DetachedSigner CreateSigner(string keyId)
    {
        var algorithm = Algorithm is null ? null : DetachedSignatureOptions.ParseAlgorithm(Algorithm);
        var connection = Connection;
        var key = Run(ct => SigningKey.ResolveAsync(connection, keyId, Log, ct));
        var signer = new DetachedSigner(key, algorithm);
        WriteVerbose($"Signing with {key.KeyArn} ({key.KeySpec.ToKmsName()}) using {signer.Algorithm.KmsName}.");
        return signer;
    }
}

using System.Management.Automation;
using System.Text;
using KmsSignature.Core;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Files;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Kms;

namespace KmsSignature.Cmdlets;

/// <summary>Exports KMS public keys as PEM, JWK, JWKS or DER, or as KmsPublicKey objects.</summary>
[Cmdlet(VerbsData.Export, "KmsPublicKeyPem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KmsPublicKey), typeof(string), typeof(byte[]))]
public sealed class ExportKmsPublicKeyPemCommand : KmsCmdletBase
{
    private readonly List<KmsPublicKey> collected = [];
    private readonly List<string?> failed = [];
    private string? target;
    private string? format;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Alias", "Arn", "KeyArn", "TargetKeyId")]
    // Not ValidateNotNullOrEmpty: a piped $null or '' failed validation in the binder, an error this cmdlet never saw, and the
    // bundle was written without that key. Such an id is an InvalidKeyIdentifier error of its own here, which blocks the bundle.
    [AllowNull]
    [AllowEmptyString]
    public string?[]? KeyId { get; set; } = [];

    [Parameter]
    [ValidateSet("Pem", "Jwk", "Jwks", "Der")]
    public string? Format { get; set; }

    // A string, not the Core enum: an enum-typed field would make PowerShell's reflection over this
    // assembly load Core before the private load context is hooked up.
    [Parameter]
    [ValidateSet("Arn", "KeyId", "Alias", "Thumbprint")]
    public string KeyIdStyle { get; set; } = "Arn";

    /// <summary>The JWK alg to pin; without it only key specs with a single alg get one (RSA keys get none).</summary>
    [Parameter]
    [ValidateSet("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K", "Ed25519", "EdDSA", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87")]
    public string? Algorithm { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // The keys are gathered and written as one file or one JWKS at the end, all or nothing.
    private bool Bundles => Path is not null || format == "Jwks";

    // PEM and DER hold the key alone; a JWK also holds its kid and alg.
    private bool WritesKid => format is "Jwk" or "Jwks";

    // Resolved before any KMS call.
    protected override void BeginProcessing()
    {
        // ValidateSet matches case-insensitively and passes the user's spelling (-Format jwks): compare in the set's spelling.
        format = Format is null ? null : new[] { "Pem", "Jwk", "Jwks", "Der" }.First(f => f.Equals(Format, StringComparison.OrdinalIgnoreCase));
        if (Path is null)
        {
            return;
        }

        try
        {
            target = FileSystemPath(Path, writing: true);
            AtomicFile.RefuseDirectory(target);
        }
        catch (KmsSignatureException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }
    }

    protected override void ProcessRecord()
    {
        var service = new SigningKeyService(Connection, Log);
        // ValidateSet matches case-insensitively and passes the user's spelling; JWS names are case-sensitive.
        var algorithm = Algorithm is null ? null : JwsAlgorithm.All.First(a => a.Name.Equals(Algorithm, StringComparison.OrdinalIgnoreCase));
        // A piped $null binds as a null array.
        foreach (var id in KeyId ?? [null])
        {
            try
            {
                var key = Run(ct => service.ExportAsync(id, KeyIds.ParseStyle(KeyIdStyle), algorithm, ct));
                if (Bundles)
                {
                    if (collected.Exists(WritesKid ? key.IsSameEntryAs : key.IsSameKeyAs))
                    {
                        WriteVerbose($"{id} is {key.Arn} again{(WritesKid ? $" (kid {key.Kid})" : string.Empty)}: written once.");
                    }
                    else
                    {
                        collected.Add(key);
                    }

                    continue;
                }

                switch (format)
                {
                    case "Pem": WriteObject(key.Pem); break;
                    case "Jwk": WriteObject(key.Jwk); break;
                    case "Der": WriteObject(key.ToDer(), enumerateCollection: false); break;
                    default: WriteObject(key); break;
                }
            }
            catch (KmsSignatureException ex)
            {
                failed.Add(id);
                WriteError(ex);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (failed.Count > 0 && Bundles)
        {
            // Nothing partial, in a file or printed for `| Set-Content`: a JWKS or PEM bundle missing a key is worse than none.
            WriteError(ErrorRecords.Create("KmsSignature.OutputNotWritten", ErrorKind.InvalidResult,
                $"{(target is null ? "The JWKS" : $"'{target}'")} was not written because not every key could be exported (see the errors above).",
                target ?? (object)failed.ToArray()));
            return;
        }

        if (collected.Count == 0)
        {
            if (Bundles)
            {
                // An empty pipeline (a pattern that matched no key) must not pass for a published key set; an empty file would
                // drop every key a verifier trusts, so nothing is written, and the user hears why.
                WriteWarning(target is null
                    ? "No key came down the pipeline: no JWKS was written."
                    : $"No key came down the pipeline: '{target}' was not written{(File.Exists(target) ? " and still holds its earlier keys" : string.Empty)}.");
            }

            return;
        }

        if (target is null)
        {
            WriteObject(PublicKey.ToJwks(collected.Select(k => k.PublicKey), indented: true));
            return;
        }

        try
        {
            var content = Content();
            if (!ShouldProcess(target, $"Write {collected.Count} public key(s) as {format ?? "Pem"}"))
            {
                return;
            }

            AtomicFile.Write(target, content, Force);
            WriteVerbose($"Wrote {collected.Count} public key(s) to {target}.");
            if (PassThru)
            {
                WriteObject(collected, enumerateCollection: true);
            }
        }
        catch (KmsSignatureException ex)
        {
            WriteError(ex);
        }
    }

    private byte[] Content() => format switch
    {
        "Jwks" => Encoding.UTF8.GetBytes(PublicKey.ToJwks(collected.Select(k => k.PublicKey), indented: true)),
        "Jwk" => Encoding.UTF8.GetBytes(Single("Jwk").Jwk),
        "Der" => Single("Der").ToDer(),
        _ => Encoding.ASCII.GetBytes(string.Concat(collected.Select(k => k.Pem))),
    };

    private KmsPublicKey Single(string format) => collected.Count == 1
        ? collected[0]
        : throw new KmsSignatureException("TooManyKeysForFormat", ErrorKind.InvalidArgument,
            $"-Format {format} holds one key, but {collected.Count} were given; use -Format Jwks (or Pem) for several keys.", Path);
}

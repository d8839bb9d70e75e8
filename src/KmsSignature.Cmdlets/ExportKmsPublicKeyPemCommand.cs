using System.Management.Automation;
using System.Text;
using KmsSignature.Core;
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
    private bool failed;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Arn", "KeyArn")]
    [ValidateNotNullOrEmpty]
    public string[] KeyId { get; set; } = [];

    [Parameter]
    [ValidateSet("Pem", "Jwk", "Jwks", "Der")]
    public string? Format { get; set; }

    // A string, not the Core enum: an enum-typed field would make PowerShell's reflection over this
    // assembly load Core before the private load context is hooked up.
    [Parameter]
    [ValidateSet("Arn", "KeyId", "Alias", "Thumbprint")]
    public string KeyIdStyle { get; set; } = "Arn";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var service = new SigningKeyService(Connection, Log);
        foreach (var id in KeyId)
        {
            try
            {
                var key = Run(ct => service.ExportAsync(id, KeyIds.ParseStyle(KeyIdStyle), ct));
                if (Path is not null || Format == "Jwks")
                {
                    collected.Add(key);
                    continue;
                }

                switch (Format)
                {
                    case "Pem": WriteObject(key.Pem); break;
                    case "Jwk": WriteObject(key.Jwk); break;
                    case "Der": WriteObject(key.ToDer(), enumerateCollection: false); break;
                    default: WriteObject(key); break;
                }
            }
            catch (KmsSignatureException ex)
            {
                failed = true;
                WriteError(ex);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (collected.Count == 0)
        {
            return;
        }

        if (Path is null)
        {
            WriteObject(PublicKey.ToJwks(collected.Select(k => k.PublicKey), indented: true));
            return;
        }

        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (failed)
        {
            // Nothing partial: a JWKS or PEM bundle missing a key is worse than no file.
            WriteError(ErrorRecords.Create("KmsSignature.OutputNotWritten", ErrorKind.InvalidResult,
                $"'{target}' was not written because not every key could be exported (see the errors above).", target));
            return;
        }

        try
        {
            var content = Content();
            if (!ShouldProcess(target, $"Write {collected.Count} public key(s) as {Format ?? "Pem"}"))
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

    private byte[] Content() => Format switch
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

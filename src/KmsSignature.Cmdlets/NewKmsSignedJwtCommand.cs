using System.Collections;
using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signing;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Signs JWTs with a KMS key: one token per claims object (from -Claims or the pipeline), many KMS calls in
/// flight (-ThrottleLimit) with output in input order.
/// </summary>
[Cmdlet(VerbsCommon.New, "KmsSignedJwt", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KmsSignedJwt))]
public sealed class NewKmsSignedJwtCommand : KmsCmdletBase
{
    /// <summary>32 in flight covers a 1,000 req/s quota at ~30 ms per call; the rate itself is paced to the quota (RequestPacer).</summary>
    public const int DefaultThrottleLimit = 32;

    private SignerPerKey<JwtSigner>? signers;
    private OrderedPipelineWindow<KmsSignedJwt>? window;
    private bool keyObjectsPiped;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Alias", "Arn", "KeyArn", "TargetKeyId")]
    [ValidateNotNullOrEmpty]
    public string KeyId { get; set; } = null!;

    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public object?[]? Claims { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [UriAsTyped]
    public string? Issuer { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [UriAsTyped]
    public string[]? Audience { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [UriAsTyped]
    public string? Subject { get; set; }

    [Parameter]
    public TimeSpan? Lifetime { get; set; }

    [Parameter]
    public DateTimeOffset? NotBefore { get; set; }

    [Parameter]
    public DateTimeOffset? IssuedAt { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [UriAsTyped]
    public string? JwtId { get; set; }

    [Parameter]
    public SwitchParameter NewJwtId { get; set; }

    // object, not IDictionary: a PSCustomObject (ConvertFrom-Json output) is taken, as -Claims takes one.
    [Parameter]
    [ValidateNotNull]
    public object? Header { get; set; }

    // Strings, not Core enums: PowerShell lays out cmdlet types before the module's load context can resolve Core.
    [Parameter]
    [ValidateSet("Arn", "KeyId", "Alias", "Thumbprint")]
    public string KeyIdStyle { get; set; } = "Arn";

    [Parameter]
    [ValidateSet("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K", "Ed25519", "EdDSA", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87")]
    public string? Algorithm { get; set; }

    /// <summary>Jws (R||S, standard) or Der (ECDSA only; non-standard, for legacy verifiers).</summary>
    [Parameter]
    [ValidateSet("Jws", "Der")]
    public string SignatureFormat { get; set; } = "Jws";

    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

    protected override void BeginProcessing()
    {
        if (JwtId is not null && NewJwtId)
        {
            ThrowTerminatingError(ErrorRecords.Create("JwtIdConflict", ErrorKind.InvalidArgument,
                "Use -JwtId for a fixed jti or -NewJwtId for a fresh one per token, not both.", JwtId));
        }

        try
        {
            JwtClaimTemplate.RequireValidLifetime(Lifetime);
            if (!PlainValues.IsMembers(Header))
            {
                throw new KmsSignatureException("InvalidHeaderValue", ErrorKind.InvalidArgument,
                    $"-Header takes a hashtable, an ordered dictionary or a PSCustomObject, not a {PlainValues.AsTarget(Header)!.GetType().FullName}.", PlainValues.AsTarget(Header));
            }
        }
        catch (KmsSignatureException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
        }

        // Neither -KeyId nor -Claims given: a piped object that names a key (Get-KmsSigningKey output) binds -KeyId by
        // property name and -Claims by value; it is a key, and its tokens get the claims of the parameters only.
        keyObjectsPiped = !MyInvocation.BoundParameters.ContainsKey(nameof(KeyId)) && !MyInvocation.BoundParameters.ContainsKey(nameof(Claims));
        window = new OrderedPipelineWindow<KmsSignedJwt>(this, ThrottleLimit, "Signing JWTs with KMS", WriteObject, WriteError);
        signers = new(CreateSigner, keysPiped: !MyInvocation.BoundParameters.ContainsKey(nameof(KeyId)), terminate: ex =>
        {
            // Nothing can be signed with this key; the items already in flight are still written first.
            window.Drain();
            ThrowTerminatingError(ErrorRecords.From(ex));
        });
    }

    protected override void ProcessRecord()
    {
        var template = new JwtClaimTemplate
        {
            Issuer = Issuer,
            Subject = Subject,
            Audience = Audience,
            Lifetime = Lifetime,
            NotBefore = NotBefore,
            IssuedAt = IssuedAt,
            JwtId = JwtId,
            NewJwtId = NewJwtId,
        };

        foreach (var input in Claims ?? [null])
        {
            if (!ShouldProcess(KeyId, "Sign a JWT with KMS"))
            {
                continue;
            }

            var signer = signers!.Get(KeyId, out var keyError);
            if (signer is null)
            {
                window!.AddFailed(keyError!);
                continue;
            }

            PreparedJwt prepared;
            try
            {
                var claims = keyObjectsPiped && !PlainValues.IsMembers(input) ? null : input;
                // The input is the target of this token's errors (a key object, when keys are piped).
                prepared = signer.Prepare(template.Build(PlainValues.Members(claims, "-Claims"), DateTimeOffset.UtcNow), PlainValues.AsTarget(input));
            }
            catch (KmsSignatureException ex)
            {
                // Still in order: the failure takes this item's place in the window.
                window!.AddFailed(ex);
                continue;
            }

            window!.Add(ct => signer.SignAsync(prepared, ct));
        }
    }

    protected override void EndProcessing() => window?.Drain();

    // The key spec is learned once per key (GetPublicKey, cached), and only for items that will be signed.
    private JwtSigner CreateSigner(string keyId)
    {
        JwsAlgorithm? algorithm = Algorithm is null ? null
            : JwsAlgorithm.All.FirstOrDefault(a => a.Name.Equals(Algorithm, StringComparison.OrdinalIgnoreCase))
              ?? throw new KmsSignatureException("UnknownAlgorithm", ErrorKind.InvalidArgument, $"'{Algorithm}' is not a JOSE alg.", Algorithm);
        var options = new JwtSignerOptions
        {
            Algorithm = algorithm,
            KeyIdStyle = KeyIds.ParseStyle(KeyIdStyle),
            SignatureFormat = Enum.Parse<JwsSignatureFormat>(SignatureFormat, ignoreCase: true),
            Header = Header is null ? null : PlainValues.Members(Header, "-Header"),
        };
        var connection = Connection;
        var signer = Run(async ct =>
        {
            var key = await SigningKey.ResolveAsync(connection, keyId, Log, ct).ConfigureAwait(false);
            return await JwtSigner.CreateAsync(key, options, ct).ConfigureAwait(false);
        });
        WriteVerbose($"Signing {signer.Algorithm.Name} JWTs with {signer.Key.KeyArn} ({signer.Key.KeySpec.ToKmsName()}), kid '{signer.Kid}', up to {ThrottleLimit} in flight.");
        return signer;
    }
}

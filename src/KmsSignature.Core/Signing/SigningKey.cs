using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signatures;
using KmsSignature.Core.Verification;
using KmsMessageType = Amazon.KeyManagementService.MessageType;

namespace KmsSignature.Core.Signing;

/// <summary>
/// A KMS signing key as the signer needs it: ARN, spec and public key, learned with one GetPublicKey (cached per
/// session by <see cref="PublicKeyCache"/>), never per token. Sign calls name the key by ARN, so an alias is
/// resolved once per resolution. Thread-safe: one instance serves many concurrent Sign calls.
/// </summary>
public sealed class SigningKey
{
    private readonly KmsConnection connection;
    private readonly IOperationLog log;
    private string? alias;

    private SigningKey(KmsConnection connection, KmsPublicKeyInfo info, KmsKeySpec spec, PublicKey publicKey, string requested, string? alias, IOperationLog log)
    {
        this.connection = connection;
        this.log = log;
        KeyArn = info.KeyArn;
        KeySpec = spec;
        PublicKey = publicKey;
        Requested = requested;
        this.alias = alias;
        SigningAlgorithms = info.SigningAlgorithms;
    }

    public string KeyArn { get; }

    public string KeyId => KeyArn[(KeyArn.LastIndexOf('/') + 1)..];

    public KmsKeySpec KeySpec { get; }

    public PublicKey PublicKey { get; }

    /// <summary>The identifier the caller gave (key id, ARN, alias, alias ARN).</summary>
    public string Requested { get; }

    /// <summary>The algorithms KMS allows for this key (GetPublicKey's SigningAlgorithms).</summary>
    public IReadOnlyList<string> SigningAlgorithms { get; }

    public static async Task<SigningKey> ResolveAsync(KmsConnection connection, string keyIdentifier, IOperationLog log, CancellationToken cancellationToken)
    {
        var identifier = KmsKeyIdentifier.Parse(keyIdentifier);
        var info = await PublicKeyCache.Shared.GetAsync(connection, identifier.Value, log, cancellationToken).ConfigureAwait(false);
        if (!KmsKeySpecs.TryParse(info.KeySpec, out var spec))
        {
            throw new KmsSignatureException("UnsupportedKeySpec", ErrorKind.InvalidOperation,
                $"KMS key {info.KeyArn} has key spec {info.KeySpec}, which KmsSignature cannot sign with.", keyIdentifier);
        }

        var alias = identifier.Kind switch
        {
            KmsKeyIdentifierKind.AliasName => identifier.Value,
            KmsKeyIdentifierKind.AliasArn => identifier.Value[identifier.Value.IndexOf(":alias/", StringComparison.Ordinal)..][1..],
            _ => null,
        };
        var publicKey = PublicKey.FromSpki(info.SubjectPublicKeyInfo, $"the public key of {info.KeyArn}");
        return new SigningKey(connection, info, spec, publicKey, identifier.Value, alias, log);
    }

    /// <summary>Checks an algorithm against the key (catalog and KMS's own list) before any Sign call.</summary>
    public void EnsureFits(SignatureAlgorithm algorithm)
    {
        if (!SignatureAlgorithm.ForKeySpec(KeySpec).Contains(algorithm)
            || (SigningAlgorithms.Count > 0 && !SigningAlgorithms.Contains(algorithm.KmsName, StringComparer.Ordinal)))
        {
            throw new KmsSignatureException("AlgorithmDoesNotFitKey", ErrorKind.InvalidArgument,
                $"{algorithm.KmsName} does not fit KMS key {KeyArn} ({KeySpec.ToKmsName()}); it allows {string.Join(", ", SignatureAlgorithm.ForKeySpec(KeySpec))}.",
                algorithm.KmsName);
        }
    }

    /// <summary>The <c>kid</c> for this key in the given style; Alias looks the alias up (ListAliases) when the caller gave none.</summary>
    public async Task<string> KidAsync(KeyIdStyle style, CancellationToken cancellationToken)
    {
        if (style == KeyIdStyle.Alias)
        {
            alias ??= await FindAliasAsync(cancellationToken).ConfigureAwait(false);
        }

        // The same rule Export-KmsPublicKeyPem uses (and the same KeyHasNoAlias), so token kids always match the exported JWKS.
        return KeyIds.For(style, KeyArn, alias, PublicKey);
    }

    /// <summary>
    /// One KMS Sign (with its retries); KMS errors become <see cref="KmsSignatureException"/>s that keep the KMS code
    /// and request id. Every attempt waits for the connection's <see cref="RequestPacer"/>, and a throttled attempt
    /// is retried at once through it: the pacer, cut by that throttle, spaces the retries out, so a throttled call is
    /// late by milliseconds rather than by the seconds an exponential backoff would add (which, in an ordered bulk
    /// run, every later token waits for). Server faults get a few short jittered retries, a lost connection more (about 6 s).
    /// </summary>
    public async Task<byte[]> SignAsync(SignatureAlgorithm algorithm, SigningMessage message, object? target, CancellationToken cancellationToken)
    {
        var request = new SignRequest
        {
            KeyId = KeyArn,
            Message = new MemoryStream(message.Bytes, writable: false),
            MessageType = message.Type == MessageType.Digest ? KmsMessageType.DIGEST : KmsMessageType.RAW,
            SigningAlgorithm = algorithm.KmsName,
        };
        var pacer = connection.SignPacer;
        var throttled = 0;
        var failed = 0;
        while (true)
        {
            var ticket = await pacer.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                request.Message.Position = 0;
                var response = await connection.SignClient.SignAsync(request, cancellationToken).ConfigureAwait(false);
                pacer.OnSuccess(ticket);
                return CheckedSignature(algorithm, response.Signature.ToArray(), target);
            }
            catch (Exception ex) when (KmsErrorTranslator.IsThrottling(ex) && ++throttled < MaxThrottledAttempts && !cancellationToken.IsCancellationRequested)
            {
                if (pacer.OnThrottle(ticket))
                {
                    log.Verbose($"KMS throttled Sign for {KeyArn}; pacing Sign calls at {pacer.Rate:F0}/s.");
                }
            }
            catch (Exception ex) when (++failed < AttemptsAfter(ex) && !cancellationToken.IsCancellationRequested
                                       && (KmsErrorTranslator.IsTransient(ex) || ex is OperationCanceledException))
            {
                // Not throttled, so it counts for the pacer as a success does: taken as no call at all, calls that all failed
                // read as a quota of nothing, and the next throttle cut the pacer to its floor, where the retries waited in line.
                pacer.OnSuccess(ticket);
                // An OperationCanceledException with our token not cancelled is the HTTP timeout.
                var delay = TimeSpan.FromMilliseconds(50 * (1 << failed) * (0.5 + Random.Shared.NextDouble()));
                log.Verbose($"KMS Sign for {KeyArn} failed ({ex.Message}); retrying in {delay.TotalMilliseconds:F0} ms.");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw KmsErrorTranslator.Translate(ex, "Sign", target ?? Requested, connection.Endpoint);
            }
        }
    }

    // An ECDSA signature that is not the curve's strict DER would become a token or .sig file no verifier accepts, or
    // escape as a FormatException naming no item: it is this item's error, with the key named.
    private byte[] CheckedSignature(SignatureAlgorithm algorithm, byte[] signature, object? target)
    {
        if (algorithm.Scheme == SignatureScheme.Ecdsa
            && !EcdsaSignatureFormat.TryDerToP1363(signature, KeySpec.EcScalarSize(), stackalloc byte[2 * KeySpec.EcScalarSize()]))
        {
            throw new KmsSignatureException("InvalidKmsSignature", ErrorKind.InvalidResult,
                $"KMS Sign with {KeyArn} returned {signature.Length} bytes that are not a DER ECDSA signature for {KeySpec.ToKmsName()}; nothing was written.",
                target ?? Requested);
        }

        return signature;
    }

    /// <summary>Throttled attempts per Sign before throttling becomes the item's error (KmsSignature.KmsThrottling).</summary>
    public const int MaxThrottledAttempts = 32;

    /// <summary>Attempts per Sign when KMS fails (the SDK's own count) before the error surfaces.</summary>
    public const int MaxFailedAttempts = 4;

    /// <summary>
    /// Attempts per Sign when KMS cannot be reached: about 6 s of backoff in all. That error ends the whole run
    /// (<see cref="KmsSignatureException.IsRunWide"/>), so a bulk run rides out a brief network drop rather than stop at it.
    /// </summary>
    public const int MaxUnreachableAttempts = 7;

    private static int AttemptsAfter(Exception failure) =>
        KmsErrorTranslator.IsConnectionFailure(failure) ? MaxUnreachableAttempts : MaxFailedAttempts;

    // Every page, alphabetically first, as Export-KmsPublicKeyPem picks it: token kids must match the exported JWKS.
    private async Task<string?> FindAliasAsync(CancellationToken cancellationToken)
    {
        var name = await new SigningKeyService(connection, log).FirstAliasAsync(KeyArn, cancellationToken).ConfigureAwait(false);
        log.Verbose($"ListAliases {KeyArn} -> {name ?? "(none)"}.");
        return name;
    }
}

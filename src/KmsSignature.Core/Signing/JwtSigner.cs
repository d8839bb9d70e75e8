using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signatures;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Signing;

/// <summary>
/// Makes JWTs (RFC 7519) as compact JWS (RFC 7515) with one KMS key. The header is fixed per signer, so each
/// token costs one payload serialisation and one KMS Sign call. Thread-safe: SignAsync may run
/// concurrently (see <see cref="OrderedWindow{T}"/> for ordered bulk signing).
/// </summary>
public sealed class JwtSigner
{
    private readonly byte[] headerJson;
    private readonly string encodedHeader;
    private readonly JwsSignatureFormat signatureFormat;

    private JwtSigner(SigningKey key, JwsAlgorithm algorithm, string kid, byte[] headerJson, JwsSignatureFormat signatureFormat)
    {
        Key = key;
        Algorithm = algorithm;
        Kid = kid;
        this.headerJson = headerJson;
        encodedHeader = Base64Url.Encode(headerJson);
        this.signatureFormat = signatureFormat;
    }

    public SigningKey Key { get; }

    public JwsAlgorithm Algorithm { get; }

    public string Kid { get; }

    public string HeaderJson => Encoding.UTF8.GetString(headerJson);

    // Test-KmsSignature refuses a token longer than JwsLimits.MaxTokenLength as Malformed, so a longer one was signed (a KMS
    // call spent) and then could not be verified. The verifier reads signatures up to MaxSignatureLength; that much is kept.
    internal const int MaxSigningInputLength = JwsLimits.MaxTokenLength - 1 - JwsLimits.MaxSignatureLength;

    // RFC 7515 §4.1 and RFC 7797's b64: the names verifiers act on (alg is refused in any case before this list is read).
    private static readonly string[] RegisteredHeaderNames = ["jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64"];

    /// <summary>Checks the options against the key (no Sign call) and builds the header.</summary>
    public static async Task<JwtSigner> CreateAsync(SigningKey key, JwtSignerOptions options, CancellationToken cancellationToken)
    {
        var algorithm = options.Algorithm ?? JwsAlgorithm.DefaultFor(key.KeySpec);
        if (!algorithm.Fits(key.KeySpec))
        {
            throw new KmsSignatureException("AlgorithmDoesNotFitKey", ErrorKind.InvalidArgument,
                $"{algorithm.Name} does not fit KMS key {key.KeyArn} ({key.KeySpec.ToKmsName()}); it signs " +
                $"{string.Join(", ", JwsAlgorithm.ForKeySpec(key.KeySpec).Select(a => a.Name))}.", algorithm.Name);
        }

        key.EnsureFits(algorithm.KmsAlgorithm);
        if (options.SignatureFormat == JwsSignatureFormat.Der && algorithm.KmsAlgorithm.Scheme != SignatureScheme.Ecdsa)
        {
            throw new KmsSignatureException("SignatureFormatNotApplicable", ErrorKind.InvalidArgument,
                $"-SignatureFormat Der applies to ECDSA only; {algorithm.Name} signatures have one form.", algorithm.Name);
        }

        var kid = await key.KidAsync(options.KeyIdStyle, cancellationToken).ConfigureAwait(false);
        var header = new List<KeyValuePair<string, object?>> { new("alg", algorithm.Name), new("typ", "JWT"), new("kid", kid) };
        foreach (var (name, value) in options.Header ?? [])
        {
            if (string.Equals(name, "alg", StringComparison.OrdinalIgnoreCase))
            {
                throw new KmsSignatureException("HeaderAlgNotAllowed", ErrorKind.InvalidArgument,
                    "-Header cannot set 'alg': the algorithm follows the key and -Algorithm, so a header can never claim another one.", name);
            }

            if (Array.Find(RegisteredHeaderNames, registered => string.Equals(registered, name, StringComparison.OrdinalIgnoreCase)) is { } registered
                && registered != name)
            {
                // Hashtable keys ignore case, JOSE names do not (RFC 7515 §4): @{ KID = ... } would add a member beside kid
                // that verifiers reading kid never see, and that those looking names up without case might read instead.
                throw new KmsSignatureException("InvalidHeaderValue", ErrorKind.InvalidArgument,
                    $"-Header '{name}' is the registered header '{registered}' in another case; header names are case-sensitive (RFC 7515 §4), so write '{registered}'.", name);
            }

            if (name is "crit" or "b64")
            {
                // Test-KmsSignature implements no extension and refuses any crit (RFC 7515 §4.1.11); this signer always
                // base64url-encodes the payload, so an RFC 7797 b64 member would misdescribe the token it signs.
                throw new KmsSignatureException("InvalidHeaderValue", ErrorKind.InvalidArgument,
                    $"-Header cannot set '{name}': the signer implements no JWS extension (crit, RFC 7515 §4.1.11) and always base64url-encodes the payload (no RFC 7797 b64).", name);
            }

            if (name is "kid" or "typ" or "cty")
            {
                // RFC 7515 §4.1.4, §4.1.9, §4.1.10: strings; verifiers (ours too, for kid) reject any other kid as a malformed header.
                var text = value as string ?? throw new KmsSignatureException("InvalidHeaderValue", ErrorKind.InvalidArgument,
                    $"-Header {name} must be a string (RFC 7515 §4.1.{(name == "kid" ? 4 : name == "typ" ? 9 : 10)}), not {(value is null ? "null" : "a " + value.GetType().FullName)}.", name);
                kid = name == "kid" ? text : kid;
            }

            HeaderKeyMembers.Check(key, name, value);
            var index = header.FindIndex(h => string.Equals(h.Key, name, StringComparison.Ordinal));
            if (index >= 0)
            {
                header[index] = new(name, value);
            }
            else
            {
                header.Add(new(name, value));
            }
        }

        var headerJson = JoseJson.WriteObject(header);
        if (Base64Url.Encode(headerJson).Length > JwsLimits.MaxHeaderLength)
        {
            // Test-KmsSignature reads header segments of at most MaxHeaderLength characters: every token would be Malformed.
            throw new KmsSignatureException("InvalidHeaderValue", ErrorKind.InvalidArgument,
                $"The header is {headerJson.Length} bytes of JSON, over the {JwsLimits.MaxHeaderLength} base64url characters Test-KmsSignature reads " +
                "in a header; put data in the claims instead.", "Header");
        }

        return new JwtSigner(key, algorithm, kid, headerJson, options.SignatureFormat);
    }

    /// <summary>
    /// Serialises the claims and decides RAW or DIGEST. Throws (before any KMS call) on values with no JSON form
    /// and registered claims verifiers reject (see <see cref="JwtClaimSet.CheckRegisteredClaims"/>), and on signing input over 4096 bytes for algorithms without a DIGEST form (Ed25519, ML-DSA).
    /// <paramref name="target"/> names the item in size errors (the caller's claims object); default the claims set.
    /// </summary>
    public PreparedJwt Prepare(JwtClaimSet claims, object? target = null)
    {
        claims.CheckRegisteredClaims();
        var payload = JoseJson.WriteObject(claims.Entries);
        var signingInput = string.Concat(encodedHeader, ".", Base64Url.Encode(payload));
        var item = target ?? claims;
        if (signingInput.Length > MaxSigningInputLength)
        {
            throw new KmsSignatureException("TokenTooLarge", ErrorKind.InvalidArgument,
                $"This token's header and claims are {signingInput.Length} base64url characters; a token may be at most {JwsLimits.MaxTokenLength} " +
                $"characters, {JwsLimits.MaxSignatureLength} of them kept for the signature ({MaxSigningInputLength} for header and claims), " +
                "as Test-KmsSignature reads it. Carry less in the token (a reference to the data instead of the data).", item);
        }

        var message = SigningMessage.For(Encoding.ASCII.GetBytes(signingInput), Algorithm.KmsAlgorithm, item);
        return new PreparedJwt(signingInput, payload, message, claims.ExpiresAt, item);
    }

    public async Task<KmsSignedJwt> SignAsync(PreparedJwt jwt, CancellationToken cancellationToken)
    {
        byte[] signature;
        try
        {
            signature = await Key.SignAsync(Algorithm.KmsAlgorithm, jwt.Message, Key.Requested, cancellationToken).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex)
        {
            // The message names the key; the target is the item, as for every other error of one token, so that
            // `$failed.TargetObject | New-KmsSignedJwt` signs again what KMS refused or could not sign.
            throw ex.WithTarget(jwt.Item);
        }

        if (Algorithm.KmsAlgorithm.Scheme == SignatureScheme.Ecdsa && signatureFormat == JwsSignatureFormat.Jws)
        {
            // KMS returns DER; JWS needs fixed-length R||S (RFC 7518 §3.4), 66-byte halves for P-521.
            signature = EcdsaSignatureFormat.DerToP1363(signature, Key.KeySpec.EcScalarSize());
        }

        var token = string.Concat(jwt.SigningInput, ".", Base64Url.Encode(signature));
        return new KmsSignedJwt(token, Key.KeyArn, Kid, Algorithm.Name, headerJson, jwt.PayloadJson, jwt.ExpiresAt,
            jwt.Message.Type == MessageType.Digest ? "DIGEST" : "RAW");
    }

    /// <summary>Prepare and sign one token.</summary>
    public Task<KmsSignedJwt> SignAsync(JwtClaimSet claims, CancellationToken cancellationToken) => SignAsync(Prepare(claims), cancellationToken);
}

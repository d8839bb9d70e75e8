using System.Text;
using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Signing;

/// <summary>
/// A JWT signed by KMS. <see cref="ToString"/> is the compact token, so the object can be written to a file or an
/// HTTP header as is. <see cref="KeyId"/> is the key ARN, so the object pipes into Test-KmsSignature -KeyId.
/// </summary>
public sealed class KmsSignedJwt
{
    private readonly byte[] headerJson;
    private readonly byte[] payloadJson;
    private IReadOnlyDictionary<string, object?>? claims;
    private IReadOnlyDictionary<string, object?>? header;

    internal KmsSignedJwt(string token, string keyArn, string kid, string algorithm, byte[] headerJson, byte[] payloadJson, DateTimeOffset? expiresAt, string messageType)
    {
        Token = token;
        KeyId = keyArn;
        Kid = kid;
        Algorithm = algorithm;
        this.headerJson = headerJson;
        this.payloadJson = payloadJson;
        ExpiresAt = expiresAt;
        MessageType = messageType;
    }

    /// <summary>The compact JWS: header.payload.signature.</summary>
    public string Token { get; }

    /// <summary>The ARN of the KMS key that signed.</summary>
    public string KeyId { get; }

    /// <summary>The header's <c>kid</c> (per -KeyIdStyle, or as -Header set it).</summary>
    public string Kid { get; }

    /// <summary>The JOSE <c>alg</c>, e.g. ES256.</summary>
    public string Algorithm { get; }

    /// <summary>RAW or DIGEST: how the signing input went to KMS (DIGEST over 4096 bytes).</summary>
    public string MessageType { get; }

    public IReadOnlyDictionary<string, object?> Claims => claims ??= JsonValues.ToDictionary(payloadJson) ?? new Dictionary<string, object?>();

    public IReadOnlyDictionary<string, object?> Header => header ??= JsonValues.ToDictionary(headerJson) ?? new Dictionary<string, object?>();

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The claims JSON exactly as signed.</summary>
    public string ClaimsJson => Encoding.UTF8.GetString(payloadJson);

    public override string ToString() => Token;
}

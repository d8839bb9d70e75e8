using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Kms;

/// <summary>The one place that turns a <see cref="KeyIdStyle"/> into a kid, shared by export and signing.</summary>
public static class KeyIds
{
    /// <summary>Parses a -KeyIdStyle value (case-insensitive).</summary>
    public static KeyIdStyle ParseStyle(string? style) => Enum.TryParse<KeyIdStyle>(style, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
        ? parsed
        : throw new KmsSignatureException("InvalidKeyIdStyle", ErrorKind.InvalidArgument,
            $"'{style}' is not a key id style; use Arn, KeyId, Alias or Thumbprint.", style);

    public static string For(KeyIdStyle style, string keyArn, string? alias, PublicKey key) => style switch
    {
        KeyIdStyle.Arn => keyArn,
        KeyIdStyle.KeyId => keyArn[(keyArn.LastIndexOf('/') + 1)..],
        KeyIdStyle.Thumbprint => key.JwkThumbprint,
        KeyIdStyle.Alias => alias ?? throw new KmsSignatureException("KeyHasNoAlias", ErrorKind.InvalidOperation,
            $"-KeyIdStyle Alias needs an alias, but KMS key {keyArn} has none.", keyArn)
        {
            RecommendedAction = "Use -KeyIdStyle Arn, KeyId or Thumbprint, or give the key an alias.",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };
}

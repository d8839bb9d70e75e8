using System.Text.RegularExpressions;

namespace KmsSignature.Core.Kms;

/// <summary>
/// A key identifier in one of KMS's four forms, checked before any call so a typo gets a precise error
/// instead of a round trip: key id (UUID, or <c>mrk-</c> + 32 hex for multi-Region keys), key ARN,
/// alias name (<c>alias/</c> + <c>[a-zA-Z0-9/_-]</c>, 256 characters at most with the prefix) or alias ARN, in any partition.
/// </summary>
public sealed partial class KmsKeyIdentifier
{
    /// <summary>
    /// CreateAlias's AliasName is 1 to 256 characters and the <c>alias/</c> prefix counts
    /// (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html), so at most 250 follow it.
    /// </summary>
    public const int MaxAliasNameLength = 256;

    private KmsKeyIdentifier(string value, KmsKeyIdentifierKind kind)
    {
        Value = value;
        Kind = kind;
    }

    public string Value { get; }

    public KmsKeyIdentifierKind Kind { get; }

    /// <summary>The Region an ARN names; null for a key id or alias name, which name a key in the Region of the call.</summary>
    public string? Region => Kind is KmsKeyIdentifierKind.KeyArn or KmsKeyIdentifierKind.AliasArn ? Value.Split(':')[3] : null;

    /// <summary>True for forms that always name the same key (aliases can be moved to another key).</summary>
    public bool IsStable => Kind is KmsKeyIdentifierKind.KeyId or KmsKeyIdentifierKind.KeyArn;

    public override string ToString() => Value;

    public static bool TryParse(string? text, out KmsKeyIdentifier identifier)
    {
        identifier = null!;
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        KmsKeyIdentifierKind? kind =
            KeyIdPattern().IsMatch(value) ? KmsKeyIdentifierKind.KeyId
            : KeyArnPattern().IsMatch(value) ? KmsKeyIdentifierKind.KeyArn
            : AliasNamePattern().IsMatch(value) ? KmsKeyIdentifierKind.AliasName
            : AliasArnPattern().IsMatch(value) ? KmsKeyIdentifierKind.AliasArn
            : null;
        if (kind is null)
        {
            return false;
        }

        identifier = new KmsKeyIdentifier(value, kind.Value);
        return true;
    }

    public static KmsKeyIdentifier Parse(string? text) => TryParse(text, out var identifier)
        ? identifier
        : throw new KmsSignatureException("InvalidKeyIdentifier", ErrorKind.InvalidArgument,
            $"'{text}' is not a KMS key identifier. Use a key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), " +
            "a key ARN (arn:aws:kms:us-east-1:111122223333:key/...), an alias name (alias/my-key) or an alias ARN.", text);

    /// <summary>Adds the <c>alias/</c> prefix when it is missing, then checks the rules for a new alias (not under <c>alias/aws/</c>).</summary>
    public static string NormalizeAliasName(string alias)
    {
        var name = NormalizeAliasLookup(alias);
        if (name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new KmsSignatureException("ReservedAliasName", ErrorKind.InvalidArgument,
                $"'{alias}' is reserved: aliases beginning with 'alias/aws/' belong to AWS managed keys.", alias);
        }

        return name;
    }

    /// <summary>
    /// As <see cref="NormalizeAliasName"/> for an alias to look up: <c>alias/aws/</c> is reserved only for creating
    /// aliases, and AWS managed keys carry such aliases.
    /// </summary>
    public static string NormalizeAliasLookup(string alias)
    {
        var name = WithAliasPrefix(alias);

        if (name.Length > MaxAliasNameLength)
        {
            // Checked here, not left to CreateAlias: New-KmsSigningKey calls CreateKey first, and an alias
            // refused after that leaves a key to schedule for deletion.
            throw new KmsSignatureException("InvalidAliasName", ErrorKind.InvalidArgument,
                $"The alias name is {name.Length} characters long; KMS allows at most {MaxAliasNameLength}, including the 'alias/' prefix.", alias);
        }

        if (!AliasNamePattern().IsMatch(name))
        {
            throw new KmsSignatureException("InvalidAliasName", ErrorKind.InvalidArgument,
                $"'{alias}' is not a valid alias name: after 'alias/' use 1 to 250 letters, digits, '/', '_' or '-'.", alias);
        }

        return name;
    }

    /// <summary>
    /// The name with KMS's <c>alias/</c> prefix: added when missing, and lower-cased when typed otherwise (<c>Alias/app</c>), which
    /// KMS refuses as a prefix; made a part of the name instead, it gave <c>alias/Alias/app</c>.
    /// </summary>
    internal static string WithAliasPrefix(string alias)
    {
        var name = alias.Trim();
        return name.StartsWith("alias/", StringComparison.OrdinalIgnoreCase) ? "alias/" + name["alias/".Length..] : "alias/" + name;
    }

    [GeneratedRegex("^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$")]
    private static partial Regex KeyIdPattern();

    [GeneratedRegex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$")]
    private static partial Regex KeyArnPattern();

    [GeneratedRegex("^alias/[a-zA-Z0-9/_-]{1,250}$")]
    private static partial Regex AliasNamePattern();

    [GeneratedRegex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:alias/[a-zA-Z0-9/_-]{1,250}$")]
    private static partial Regex AliasArnPattern();
}

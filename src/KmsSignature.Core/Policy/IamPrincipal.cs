using System.Text.RegularExpressions;

namespace KmsSignature.Core.Policy;

/// <summary>
/// Checks principals given for a key policy: IAM role and user ARNs (with paths) and account roots in every
/// partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc). A typo would
/// otherwise surface as KMS's terse MalformedPolicyDocumentException after a round trip, or worse, name a
/// principal that does not exist.
/// </summary>
public static partial class IamPrincipal
{
    public const string Everyone = "*";

    /// <summary>
    /// Returns the trimmed ARN, or throws <c>InvalidPrincipal</c> / <c>WildcardPrincipal</c>. <paramref name="allowUniqueId"/>
    /// (for -Remove) also takes the unique id KMS shows in place of a deleted role or user, so it can be taken out.
    /// </summary>
    public static string Validate(string? principal, bool allowEveryone, bool allowUniqueId = false)
    {
        var value = principal?.Trim() ?? string.Empty;
        if (allowUniqueId && IsUniqueId(value))
        {
            return value;
        }

        if (value == Everyone)
        {
            return allowEveryone
                ? value
                : throw new KmsSignatureException("WildcardPrincipal", ErrorKind.InvalidArgument,
                    "The principal \"*\" would grant the permission to every AWS principal in every account. It is refused unless you pass -Force.", principal)
                {
                    RecommendedAction = "Name the IAM roles or users instead, or pass -Force if you really mean everyone.",
                };
        }

        if (!ArnPattern().IsMatch(value))
        {
            throw new KmsSignatureException("InvalidPrincipal", ErrorKind.InvalidArgument,
                $"'{principal}' is not an IAM role or user ARN such as arn:aws:iam::111122223333:role/AppSigner " +
                "(or arn:aws:iam::111122223333:root for the account; partitions aws, aws-cn, aws-us-gov, aws-iso*).", principal)
            {
                RecommendedAction = value.Contains(":sts::", StringComparison.Ordinal)
                    ? "Use the role ARN (arn:aws:iam::<account>:role/<name>), not an assumed-role session ARN: sessions expire."
                    : null,
            };
        }

        return value;
    }

    /// <summary>
    /// Compares principals as IAM reads them: an account named by its root ARN (<c>arn:aws:iam::111122223333:root</c>) or by
    /// its bare id (<c>111122223333</c>) is the same principal; anything else compares ordinally.
    /// </summary>
    public static IEqualityComparer<string> Comparer { get; } = new SamePrincipal();

    private sealed class SamePrincipal : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => string.Equals(x is null ? null : Key(x), y is null ? null : Key(y), StringComparison.Ordinal);

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(Key(obj));

        private static string Key(string principal) => RootPattern().IsMatch(principal) ? principal.Split(':')[4] : principal;
    }

    /// <summary>True for <c>arn:&lt;partition&gt;:iam::&lt;account&gt;:root</c> or a bare 12-digit account id.</summary>
    public static bool IsAccountRoot(string principal) => RootPattern().IsMatch(principal) || AccountPattern().IsMatch(principal);

    // IAM's own rules (CreateRole/CreateUser): a name is 1-64 of ASCII letters, digits and _+=,.@- (IAM's [\w+=,.@-] is
    // ASCII; .NET's \w would also take é or ß, which KMS then refuses as a MalformedPolicyDocumentException); a path
    // segment is any of ! (U+0021) through DEL (U+007F) but '/'.
    [GeneratedRegex(@"^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?:iam::[0-9]{12}:(?:root|(?:role|user)(?:/[\x21-\x2E\x30-\x7F]+)*/[A-Za-z0-9_+=,.@-]{1,64})$")]
    private static partial Regex ArnPattern();

    /// <summary>
    /// True for an IAM unique id of a user (AIDA...) or role (AROA...): what a key policy shows for a principal that was
    /// deleted, and what KMS then refuses in any new policy ("Policy contains a statement with one or more invalid principals").
    /// </summary>
    public static bool IsUniqueId(string principal) => UniqueIdPattern().IsMatch(principal);

    [GeneratedRegex(@"^A(?:IDA|ROA)[A-Z0-9]{12,124}$")]
    private static partial Regex UniqueIdPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:root$")]
    private static partial Regex RootPattern();

    [GeneratedRegex(@"^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}

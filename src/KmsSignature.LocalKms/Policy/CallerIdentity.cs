namespace KmsSignature.LocalKms.Policy;

/// <summary>A recognised caller: its principal ARN, account, and parsed identity policy (if any).</summary>
internal sealed class CallerIdentity
{
    private readonly string? _roleArn;

    public CallerIdentity(LocalKmsPrincipal principal, PolicyDocument? identityPolicy)
    {
        Principal = principal;
        Arn = principal.Arn;
        IdentityPolicy = identityPolicy;
        var parts = Arn.Split(':', 6);
        Partition = parts.Length == 6 ? parts[1] : "aws";
        Account = parts.Length == 6 ? parts[4] : string.Empty;

        // arn:aws:sts::acct:assumed-role/Role/session is matched by key policies naming arn:aws:iam::acct:role/Role.
        if (parts.Length == 6 && parts[2] == "sts" && parts[5].StartsWith("assumed-role/", StringComparison.Ordinal))
        {
            var segments = parts[5].Split('/');
            if (segments.Length >= 2)
            {
                _roleArn = $"arn:{Partition}:iam::{Account}:role/{segments[1]}";
            }
        }
    }

    public LocalKmsPrincipal Principal { get; }

    public string Arn { get; }

    public string Partition { get; }

    public string Account { get; }

    public PolicyDocument? IdentityPolicy { get; }

    /// <summary>For an assumed-role session, the role's ARN; otherwise null.</summary>
    public string? RoleArn => _roleArn;

    public bool IsSamePrincipal(string principal) =>
        string.Equals(principal, Arn, StringComparison.Ordinal) || (_roleArn is not null && string.Equals(principal, _roleArn, StringComparison.Ordinal));

    public bool IsAccountRoot(string principal) =>
        string.Equals(principal, Account, StringComparison.Ordinal)
        || string.Equals(principal, $"arn:{Partition}:iam::{Account}:root", StringComparison.Ordinal);
}

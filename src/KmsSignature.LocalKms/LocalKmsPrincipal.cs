namespace KmsSignature.LocalKms;

/// <summary>
/// A caller LocalKms recognises: the SigV4 access key id maps to an IAM principal ARN and an optional
/// identity (IAM) policy, which only matters where a key policy delegates to IAM (the account root principal).
/// </summary>
public sealed record LocalKmsPrincipal(string AccessKeyId, string SecretAccessKey, string Arn, string? IdentityPolicyJson = null)
{
    /// <summary>Identity policy of the default admin: every KMS action on every resource.</summary>
    public const string AllowAllKmsPolicy =
        """{"Version":"2012-10-17","Statement":[{"Sid":"LocalKmsAdmin","Effect":"Allow","Action":"kms:*","Resource":"*"}]}""";

    /// <summary>Fixed access key id of the default admin principal (role KmsAdmin, identity policy kms:* on *).</summary>
    public const string DefaultAdminAccessKeyId = "AKIALOCALKMSADMIN001";

    /// <summary>Fixed secret of the default admin principal. Test credentials only.</summary>
    public const string DefaultAdminSecretAccessKey = "LocalKmsAdminSecretForTestingOnly0000001";

    /// <summary>Fixed access key id of the default signer principal (role KmsSigner, no identity policy).</summary>
    public const string DefaultSignerAccessKeyId = "AKIALOCALKMSSIGNER01";

    /// <summary>Fixed secret of the default signer principal. Test credentials only.</summary>
    public const string DefaultSignerSecretAccessKey = "LocalKmsSignerSecretForTestingOnly000001";

    /// <summary>Fixed access key id of the default verifier principal (role KmsVerifier, no identity policy).</summary>
    public const string DefaultVerifierAccessKeyId = "AKIALOCALKMSVERIFY01";

    /// <summary>Fixed secret of the default verifier principal. Test credentials only.</summary>
    public const string DefaultVerifierSecretAccessKey = "LocalKmsVerifierSecretForTestingOnly0001";

    /// <summary>The three default principals for an account: admin, signer, verifier (in that order).</summary>
    public static IReadOnlyList<LocalKmsPrincipal> Defaults(string accountId) =>
    [
        new(DefaultAdminAccessKeyId, DefaultAdminSecretAccessKey, $"arn:aws:iam::{accountId}:role/KmsAdmin", AllowAllKmsPolicy),
        new(DefaultSignerAccessKeyId, DefaultSignerSecretAccessKey, $"arn:aws:iam::{accountId}:role/KmsSigner"),
        new(DefaultVerifierAccessKeyId, DefaultVerifierSecretAccessKey, $"arn:aws:iam::{accountId}:role/KmsVerifier"),
    ];

    /// <summary>Never print the secret (records print every property by default).</summary>
    public override string ToString() => $"{Arn} ({AccessKeyId})";
}

namespace KmsSignature.LocalKms.Policy;

/// <summary>
/// The key policy KMS attaches when CreateKey gets none ("Default key policy" in the KMS Developer Guide):
/// one statement letting the account root, and so IAM policies, use the key. The text is the
/// pretty-printed form GetKeyPolicy returns for it.
/// </summary>
internal static class DefaultKeyPolicy
{
    public static string For(string partition, string accountId) =>
        "{\n"
        + "  \"Version\" : \"2012-10-17\",\n"
        + "  \"Id\" : \"key-default-1\",\n"
        + "  \"Statement\" : [ {\n"
        + "    \"Sid\" : \"Enable IAM User Permissions\",\n"
        + "    \"Effect\" : \"Allow\",\n"
        + "    \"Principal\" : {\n"
        + $"      \"AWS\" : \"arn:{partition}:iam::{accountId}:root\"\n"
        + "    },\n"
        + "    \"Action\" : \"kms:*\",\n"
        + "    \"Resource\" : \"*\"\n"
        + "  } ]\n"
        + "}";
}

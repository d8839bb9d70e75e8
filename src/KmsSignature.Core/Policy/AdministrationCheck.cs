using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

/// <summary>
/// Our version of KMS's policy lockout safety check. KMS refuses (MalformedPolicyDocumentException) a new
/// key policy under which the principal making the request could not call PutKeyPolicy again; the usual
/// way a policy keeps that ability is a statement letting the account root (that is, IAM policies in the
/// account) or a named administrator use kms:PutKeyPolicy (kms:* covers it), unless an explicit Deny takes it
/// away again. We refuse, before calling KMS and in plain words, any change that removes the last such grant.
/// </summary>
public static class AdministrationCheck
{
    private const string PutKeyPolicy = "kms:PutKeyPolicy";

    /// <summary>
    /// True when some Allow statement lets an account root or a named IAM principal call kms:PutKeyPolicy, and no Deny
    /// without a Condition takes that from the principal (an explicit Deny wins over any Allow). A Deny with a Condition may
    /// not apply to the administrator's requests; it is left to KMS's own lockout check, which evaluates it for the caller.
    /// </summary>
    public static bool AllowsAdministration(KeyPolicyDocument policy)
    {
        var statements = policy.Statements;
        return statements.Where(IsAdministrationStatement)
            .SelectMany(s => OwnStatement.AwsPrincipals(s["Principal"]))
            .Any(p => p != IamPrincipal.Everyone && !statements.Any(d => DenyStatements.DeniesAlways(d, p, PutKeyPolicy)));
    }

    /// <summary>Throws <c>PolicyLockout</c> when <paramref name="after"/> loses what <paramref name="before"/> had.</summary>
    public static void EnsureNotLockedOut(KeyPolicyDocument before, KeyPolicyDocument after, string? keyId)
    {
        if (AllowsAdministration(before) && !AllowsAdministration(after))
        {
            throw new KmsSignatureException("PolicyLockout", ErrorKind.InvalidOperation,
                $"The new key policy{(keyId is null ? string.Empty : $" of {keyId}")} would no longer let the account root or any named " +
                "administrator change the key policy (kms:PutKeyPolicy), so nobody could ever repair it: KMS's lockout safety check " +
                "exists to stop exactly that. Nothing was changed.", keyId)
            {
                RecommendedAction = "Keep a statement that allows kms:PutKeyPolicy (or kms:*) to arn:<partition>:iam::<account>:root or to your administrator role; " +
                                    "do not put administration actions into the KmsSignature* statements, which this module rewrites.",
            };
        }
    }

    private static bool IsAdministrationStatement(JsonObject statement)
    {
        if (OwnStatement.Strings(statement["Effect"]) is not ["Allow"] || statement.ContainsKey("NotPrincipal"))
        {
            return false;
        }

        return OwnStatement.CoversAction(statement, PutKeyPolicy);
    }
}

using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

/// <summary>
/// Finds the Deny statements that apply to what KmsSignature's statements grant. IAM evaluates an explicit Deny before any
/// Allow, so a grant such a statement covers does nothing: the signer still gets AccessDeniedException. Matching follows
/// IAM: actions case-insensitively with wildcards (Action or NotAction); a principal is covered by "*", by its own ARN, or
/// by its account (root ARN or account id), or by a NotPrincipal that does not list both it and its account. Conditions are
/// not evaluated.
/// </summary>
internal static class DenyStatements
{
    public static IReadOnlyList<BlockingDeny> Blocking(KeyPolicyDocument policy)
    {
        var statements = policy.Statements;
        var grants = statements
            .Where(s => SignerPolicySids.IsOurs(OwnStatement.Strings(s["Sid"]).FirstOrDefault()) && OwnStatement.Strings(s["Effect"]) is ["Allow"])
            .SelectMany(s => OwnStatement.AwsPrincipals(s["Principal"]).SelectMany(p => OwnStatement.Strings(s["Action"]).Select(a => (Principal: p, Action: a))))
            .Distinct()
            .ToArray();
        var result = new List<BlockingDeny>();
        for (var i = 0; i < statements.Count; i++)
        {
            var deny = statements[i];
            if (OwnStatement.Strings(deny["Effect"]) is not ["Deny"])
            {
                continue;
            }

            var blocked = grants.Where(g => OwnStatement.CoversAction(deny, g.Action) && CoversPrincipal(deny, g.Principal)).ToArray();
            if (blocked.Length > 0)
            {
                result.Add(new BlockingDeny(OwnStatement.Strings(deny["Sid"]).FirstOrDefault(), i,
                    blocked.Select(b => b.Principal).Distinct(StringComparer.Ordinal).ToArray(),
                    blocked.Select(b => b.Action).Distinct(StringComparer.Ordinal).ToArray(),
                    deny["Condition"] is JsonObject { Count: > 0 }));
            }
        }

        return result;
    }

    /// <summary>
    /// True when <paramref name="statement"/> is a Deny without a Condition that covers <paramref name="action"/> for
    /// <paramref name="principal"/>: it applies to every such request, whatever the request context.
    /// </summary>
    public static bool DeniesAlways(JsonObject statement, string principal, string action) =>
        OwnStatement.Strings(statement["Effect"]) is ["Deny"]
        && statement["Condition"] is not JsonObject { Count: > 0 }
        && !statement.ContainsKey("NotResource")
        && OwnStatement.CoversAction(statement, action)
        && CoversPrincipal(statement, principal);

    private static bool CoversPrincipal(JsonObject deny, string principal)
    {
        if (deny.ContainsKey("NotPrincipal"))
        {
            return !ExemptedBy(OwnStatement.AwsPrincipals(deny["NotPrincipal"]), principal);
        }

        return OwnStatement.AwsPrincipals(deny["Principal"]).Any(p => p == IamPrincipal.Everyone || p == principal || SameAccount(p, principal));
    }

    // A NotPrincipal exempts a role or user only when it lists both the principal and its account: IAM checks the account
    // first, then the role or user, so a NotPrincipal naming just one of them still denies the principal
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html, "Key points").
    private static bool ExemptedBy(IReadOnlyList<string> notPrincipals, string principal)
    {
        if (notPrincipals.Contains(IamPrincipal.Everyone, StringComparer.Ordinal))
        {
            return true;
        }

        var accountListed = notPrincipals.Any(p => SameAccount(p, principal));
        return IamPrincipal.IsAccountRoot(principal) ? accountListed : accountListed && notPrincipals.Contains(principal, StringComparer.Ordinal);
    }

    // An account (arn:<partition>:iam::<account>:root or the bare id) in a Deny stands for every principal of that account.
    private static bool SameAccount(string accountPrincipal, string principal)
    {
        if (!IamPrincipal.IsAccountRoot(accountPrincipal) || principal == IamPrincipal.Everyone)
        {
            return false;
        }

        var account = accountPrincipal.StartsWith("arn:", StringComparison.Ordinal) ? accountPrincipal.Split(':')[4] : accountPrincipal;
        var parts = principal.Split(':');
        return parts.Length >= 5 ? parts[4] == account : principal == account;
    }
}

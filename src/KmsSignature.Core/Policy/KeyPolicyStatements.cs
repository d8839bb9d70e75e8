using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

internal static class KeyPolicyStatements
{
    public static IReadOnlyList<KeyPolicyStatement> Describe(KeyPolicyDocument policy) => policy.Statements.Select(s =>
    {
        var sid = OwnStatement.Strings(s["Sid"]).FirstOrDefault();
        return new KeyPolicyStatement(sid, OwnStatement.Strings(s["Effect"]).FirstOrDefault(), OwnStatement.AwsPrincipals(s["Principal"]),
            OwnStatement.Strings(s["Action"]), SignerPolicySids.IsOurs(sid), s.ToJsonString());
    }).ToArray();
}

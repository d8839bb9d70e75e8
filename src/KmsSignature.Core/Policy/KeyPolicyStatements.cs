using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

internal static class KeyPolicyStatements
{
    public static IReadOnlyList<KeyPolicyStatement> Describe(KeyPolicyDocument policy) => policy.Statements.Select(s =>
    {
        var sid = OwnStatement.Strings(s["Sid"]).FirstOrDefault();
        var principals = s["Principal"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var p) => [p],
            JsonObject o => OwnStatement.Strings(o["AWS"]),
            _ => Array.Empty<string>(),
        };
        return new KeyPolicyStatement(sid, OwnStatement.Strings(s["Effect"]).FirstOrDefault(), principals,
            OwnStatement.Strings(s["Action"]), SignerPolicySids.IsOurs(sid), s.ToJsonString());
    }).ToArray();
}

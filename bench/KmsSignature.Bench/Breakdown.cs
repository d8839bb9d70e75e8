using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Bench;

/// <summary>
/// Where the Core verifier's time per token goes (the "profile" rows): each stage of TokenVerifier.Verify timed
/// alone with the same public building blocks it uses, next to the raw signature check and the whole call.
/// </summary>
internal static class Breakdown
{
    public static void Run(ResultTable table, TokenSet set)
    {
        var n = set.Tokens.Length;
        var verifier = new TokenVerifier(TrustStore.FromKeys([set.Key], "bench"), new TokenValidationOptions
        {
            Issuers = [TokenSet.Issuer],
            Audiences = [TokenSet.Audience],
        });
        var buffer = new byte[8192];
        var stages = new (string Name, Action<int> Op)[]
        {
            ("raw signature check", i => set.RawVerify(set.Inputs[i % n], set.Signatures[i % n])),
            ("whole TokenVerifier.Verify", i => verifier.Verify(set.Tokens[i % n])),
            ("split (JwsSegments.TryParse)", i => JwsSegments.TryParse(set.Tokens[i % n], out _, out _)),
            ("header: base64url + JoseHeader.TryParse", i =>
            {
                var t = set.Tokens[i % n];
                var header = t.AsSpan(0, t.IndexOf('.'));
                Base64Url.TryDecode(header, buffer, out var length);
                JoseHeader.TryParse(buffer.AsSpan(0, length), out _, out _);
            }),
            ("payload: base64url + JwtClaims.TryParse", i =>
            {
                var t = set.Tokens[i % n];
                var first = t.IndexOf('.');
                var payload = t.AsSpan(first + 1, t.LastIndexOf('.') - first - 1);
                Base64Url.TryDecode(payload, buffer, out var length);
                JwtClaims.TryParse(buffer.AsSpan(0, length), out _, out _);
            }),
            ("signature: base64url", i =>
            {
                var t = set.Tokens[i % n];
                Base64Url.TryDecode(t.AsSpan(t.LastIndexOf('.') + 1), buffer, out _);
            }),
            ("signing input to ASCII bytes", i =>
            {
                var t = set.Tokens[i % n];
                Encoding.ASCII.GetBytes(t.AsSpan(0, t.LastIndexOf('.')), buffer);
            }),
        };
        var rates = Measure.Interleaved(1, stages.Select(s => s.Op).ToArray());
        var rawMicros = 1e6 / rates[0];
        for (var i = 0; i < stages.Length; i++)
        {
            var micros = 1e6 / rates[i];
            table.Add("2p", $"profile {set.Alg}: {stages[i].Name}", micros, "µs/token", note: i == 1 ? $"overhead over raw {micros - rawMicros:0.00} µs" : "");
        }
    }
}

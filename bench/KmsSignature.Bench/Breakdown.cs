using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Bench;

/// <summary>
/// Where the Core verifier's time per token goes (the "profile" rows): each stage of TokenVerifier.Verify timed
/// alone with the same building blocks it runs (internal ones included), next to the raw signature check and the whole call.
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
        var headers = new HeaderCache();
        var firstHeader = set.Tokens[0].AsSpan(0, set.Tokens[0].IndexOf('.'));
        Rows.Check(JoseHeader.TryParse(Decode(firstHeader, buffer), out var parsed, out _));
        headers.Add(firstHeader, parsed!);
        var issuers = JwtClaims.EncodeExpected([TokenSet.Issuer]);
        var audiences = JwtClaims.EncodeExpected([TokenSet.Audience]);
        var stages = new (string Name, Action<int> Op)[]
        {
            ("raw signature check", i => Rows.Check(set.RawVerify(set.Inputs[i % n], set.Signatures[i % n]))),
            ("whole TokenVerifier.Verify", i => Rows.Check(verifier.Verify(set.Tokens[i % n]).IsValid)),
            ("split (JwsSegments.TryParse)", i => Rows.Check(JwsSegments.TryParse(set.Tokens[i % n], out _, out _))),
            ("header: cached parse, found by its text (every token after the first)", i =>
            {
                var t = set.Tokens[i % n];
                Rows.Check(headers.Find(t.AsSpan(0, t.IndexOf('.'))) is not null);
            }),
            ("header: base64url + JoseHeader.TryParse (once per distinct header)", i =>
            {
                var t = set.Tokens[i % n];
                Rows.Check(JoseHeader.TryParse(Decode(t.AsSpan(0, t.IndexOf('.')), buffer), out _, out _));
            }),
            ("payload: base64url + JwtClaims.TryCheck (iss, aud, exp, nbf)", i =>
            {
                var t = set.Tokens[i % n];
                var dot = t.IndexOf('.');
                Rows.Check(JwtClaims.TryCheck(Decode(t.AsSpan(dot + 1, t.LastIndexOf('.') - dot - 1), buffer), issuers, audiences, out var check, out _)
                    && check.IssuerMatched && check.AudienceMatched);
            }),
            ("signature: base64url", i =>
            {
                var t = set.Tokens[i % n];
                Decode(t.AsSpan(t.LastIndexOf('.') + 1), buffer);
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

    private static ReadOnlySpan<byte> Decode(ReadOnlySpan<char> base64Url, byte[] buffer)
    {
        Rows.Check(Base64Url.TryDecode(base64Url, buffer, out var length));
        return buffer.AsSpan(0, length);
    }
}

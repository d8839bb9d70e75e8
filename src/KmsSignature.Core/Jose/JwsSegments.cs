namespace KmsSignature.Core.Jose;

/// <summary>
/// Where the three parts of a compact JWS (RFC 7515 §7.1) are: <c>header.payload.signature</c>.
/// Only the shape and the size limits are checked here; decoding is strict base64url afterwards.
/// </summary>
public readonly struct JwsSegments
{
    private JwsSegments(int headerLength, int payloadStart, int signatureStart, int length)
    {
        HeaderLength = headerLength;
        PayloadStart = payloadStart;
        SignatureStart = signatureStart;
        Length = length;
    }

    public int HeaderLength { get; }

    public int PayloadStart { get; }

    public int PayloadLength => SignatureStart - 1 - PayloadStart;

    public int SignatureStart { get; }

    public int SignatureLength => Length - SignatureStart;

    public int Length { get; }

    /// <summary>The JWS Signing Input (<c>header.payload</c>) is everything before the second dot.</summary>
    public int SigningInputLength => SignatureStart - 1;

    public static bool TryParse(ReadOnlySpan<char> token, out JwsSegments segments, out string? error)
    {
        segments = default;
        if (token.IsEmpty)
        {
            error = "the token is empty";
            return false;
        }

        if (token.Length > JwsLimits.MaxTokenLength)
        {
            error = $"the token is longer than {JwsLimits.MaxTokenLength} characters";
            return false;
        }

        var first = token.IndexOf('.');
        if (first < 0)
        {
            error = "the token has 1 segment; a compact JWS has 3 (header.payload.signature)";
            return false;
        }

        var second = token[(first + 1)..].IndexOf('.');
        if (second < 0)
        {
            error = "the token has 2 segments; a compact JWS has 3 (header.payload.signature)";
            return false;
        }

        second += first + 1;
        if (token[(second + 1)..].IndexOf('.') >= 0)
        {
            error = token.Count('.') == 4
                ? "the token has 5 segments: it is a JWE (encrypted), not a JWS"
                : $"the token has {token.Count('.') + 1} segments; a compact JWS has 3 (header.payload.signature)";
            return false;
        }

        if (first == 0)
        {
            error = "the JWS header segment is empty";
            return false;
        }

        if (first > JwsLimits.MaxHeaderLength)
        {
            error = $"the JWS header segment is longer than {JwsLimits.MaxHeaderLength} characters";
            return false;
        }

        if (token.Length - second - 1 > JwsLimits.MaxSignatureLength)
        {
            error = $"the signature segment is longer than {JwsLimits.MaxSignatureLength} characters";
            return false;
        }

        segments = new JwsSegments(first, first + 1, second + 1, token.Length);
        error = null;
        return true;
    }
}

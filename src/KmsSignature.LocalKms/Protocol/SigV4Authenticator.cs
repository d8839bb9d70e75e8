using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KmsSignature.LocalKms.Policy;
using Microsoft.AspNetCore.Http;

namespace KmsSignature.LocalKms.Protocol;

/// <summary>
/// Identifies the caller from the SigV4 Authorization header and checks the signature with the
/// configured secret, the credential scope (Region, service "kms") and the 15-minute clock window,
/// answering with the error types AWS's front end uses.
/// </summary>
internal sealed class SigV4Authenticator(IReadOnlyDictionary<string, CallerIdentity> callers, string region)
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    // The derived signing key depends only on (secret, date, region, service): derive it once per caller and day.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string AccessKeyId, string Date), byte[]> _signingKeys = new();

    public CallerIdentity Authenticate(HttpRequest request, ReadOnlySpan<byte> body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw new KmsErrorException("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw new KmsErrorException("IncompleteSignatureException", $"Unsupported authorization type; only {Algorithm} is accepted.");
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            throw new KmsErrorException(
                "IncompleteSignatureException",
                $"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={authorization.Split(' ')[0]}");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            throw new KmsErrorException("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request.");
        }

        if (!callers.TryGetValue(scope[0], out var caller))
        {
            throw new KmsErrorException("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        if (scope[2] != region)
        {
            throw new KmsErrorException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{scope[2]}'. This LocalKms serves '{region}'.");
        }

        if (scope[3] != "kms")
        {
            throw new KmsErrorException("InvalidSignatureException", $"Credential should be scoped to correct service: 'kms'. ");
        }

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw new KmsErrorException("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        var now = DateTimeOffset.UtcNow;
        if ((now - signedAt).Duration() > AllowedSkew)
        {
            throw new KmsErrorException("InvalidSignatureException", $"Signature expired: {amzDate} is now earlier than {now.Subtract(AllowedSkew):yyyyMMdd'T'HHmmss'Z'} ({now:yyyyMMdd'T'HHmmss'Z'} - 15 min.)");
        }

        if (scope[1] != amzDate[..8])
        {
            throw new KmsErrorException("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.");
        }

        var signingKey = _signingKeys.GetOrAdd((scope[0], scope[1]), key => DeriveSigningKey(caller.Principal.SecretAccessKey, key.Date));
        if (_signingKeys.Count > 1024)
        {
            _signingKeys.Clear();
        }

        var expected = ComputeSignature(request, body, signedHeaders, amzDate, string.Join('/', scope, 1, 4), signingKey);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new KmsErrorException(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }

        return caller;
    }

    private byte[] DeriveSigningKey(string secret, string date)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, "kms"u8);
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string ComputeSignature(HttpRequest request, ReadOnlySpan<byte> body, string signedHeaders, string amzDate, string scope, byte[] signingKey)
    {
        var canonical = new StringBuilder(512);
        canonical.Append(request.Method).Append('\n');
        canonical.Append(CanonicalPath(request.Path.HasValue ? request.Path.Value! : "/")).Append('\n');
        canonical.Append(CanonicalQuery(request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty)).Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = name == "host" ? request.Host.Value ?? string.Empty : request.Headers[name].ToString();
            canonical.Append(name).Append(':').Append(CollapseSpaces(value.Trim())).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n');
        var payloadHash = request.Headers["X-Amz-Content-SHA256"].ToString();
        if (string.IsNullOrEmpty(payloadHash))
        {
            payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        }
        else if (payloadHash != "UNSIGNED-PAYLOAD" && payloadHash != Convert.ToHexStringLower(SHA256.HashData(body)))
        {
            throw new KmsErrorException("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        canonical.Append(payloadHash);

        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private static string CanonicalPath(string path) => path.Length == 0 ? "/" : path;

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return string.Empty;
        }

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(static p =>
            {
                var eq = p.IndexOf('=');
                return eq < 0 ? (Key: p, Value: string.Empty) : (Key: p[..eq], Value: p[(eq + 1)..]);
            })
            .OrderBy(static p => p.Key, StringComparer.Ordinal)
            .ThenBy(static p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(static p => $"{p.Key}={p.Value}"));
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        var previousSpace = false;
        foreach (var c in value)
        {
            if (c == ' ' && previousSpace)
            {
                continue;
            }

            previousSpace = c == ' ';
            builder.Append(c);
        }

        return builder.ToString();
    }
}

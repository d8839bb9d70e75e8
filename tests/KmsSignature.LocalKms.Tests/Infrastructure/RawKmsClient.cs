using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>
/// Sends hand-made (possibly malformed) KMS requests, SigV4-signed by a small independent signer,
/// to check what the SDK cannot send: invalid JSON, wrong types, unknown targets, oversize bodies.
/// </summary>
public sealed class RawKmsClient(LocalKmsServer kms) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = kms.Endpoint };

    public sealed record Response(int Status, string? ErrorType, string Body, string? RequestId);

    public async Task<Response> SendAsync(string? target, string body, LocalKmsPrincipal? principal = null, bool sign = true)
    {
        using var request = CreateRequest(target, body, principal, sign);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? type = null;
        if (text.StartsWith('{'))
        {
            using var json = System.Text.Json.JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("__type", out var t))
            {
                type = t.GetString();
            }
        }

        return new Response((int)response.StatusCode, type, text, response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null);
    }

    public HttpRequestMessage CreateRequest(string? target, string body, LocalKmsPrincipal? principal = null, bool sign = true)
    {
        principal ??= kms.Admin;
        var request = new HttpRequestMessage(HttpMethod.Post, "/");
        var bytes = Encoding.UTF8.GetBytes(body);
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-amz-json-1.1");
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        if (sign)
        {
            Sign(request, bytes, target, principal);
        }

        return request;
    }

    private void Sign(HttpRequestMessage request, byte[] body, string? target, LocalKmsPrincipal principal)
    {
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = $"{kms.Endpoint.Host}:{kms.Endpoint.Port}";
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.1",
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (target is not null)
        {
            headers["x-amz-target"] = target;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = $"POST\n/\n\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signedHeaders}\n{Hex(SHA256.HashData(body))}";
        var scope = $"{date}/{kms.Region}/kms/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + principal.SecretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(kms.Region));
        key = HMACSHA256.HashData(key, "kms"u8);
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={principal.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    public void Dispose() => _http.Dispose();
}

using System.Text;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

public sealed class HeaderCacheTests
{
    private static (string Text, JoseHeader Header) Header(string json)
    {
        Assert.True(JoseHeader.TryParse(Encoding.UTF8.GetBytes(json), out var header, out _));
        return (Base64Url.Encode(Encoding.UTF8.GetBytes(json)), header!);
    }

    [Fact]
    public void Finds_a_header_only_by_its_exact_text()
    {
        var cache = new HeaderCache();
        var (text, header) = Header("""{"alg":"ES256","kid":"a"}""");
        Assert.Null(cache.Find(text));

        cache.Add(text, header);

        Assert.Same(header, cache.Find(text));
        Assert.Same(header, cache.Find(new string(text.ToCharArray())));
        Assert.Null(cache.Find(text.AsSpan(0, text.Length - 1)));
        Assert.Null(cache.Find(Header("""{"alg":"ES256","kid":"b"}""").Text));
    }

    [Fact]
    public void Many_distinct_headers_evict_old_ones_but_never_answer_wrongly()
    {
        var cache = new HeaderCache();
        var headers = Enumerable.Range(0, 40).Select(i => Header($$"""{"alg":"RS256","kid":"k{{i}}"}""")).ToArray();
        foreach (var (text, header) in headers)
        {
            cache.Add(text, header);
            Assert.Same(header, cache.Find(text));
        }

        foreach (var (text, header) in headers)
        {
            var found = cache.Find(text);
            Assert.True(found is null || ReferenceEquals(found, header));
        }

        Assert.Contains(headers, h => cache.Find(h.Text) is null);
    }

    [Fact]
    public void Oversized_headers_are_not_kept()
    {
        var cache = new HeaderCache();
        var (text, header) = Header($$"""{"alg":"ES256","kid":"{{new string('k', 600)}}"}""");

        cache.Add(text, header);

        Assert.Null(cache.Find(text));
    }
}

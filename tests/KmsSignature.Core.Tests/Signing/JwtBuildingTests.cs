using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Files;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Signing;

public sealed class JwtBuildingTests
{
    [Fact]
    public void Claims_are_compact_deterministic_JSON_with_dates_as_NumericDate()
    {
        var claims = new JwtClaimTemplate { Issuer = "iss", Audience = ["a"], Lifetime = TimeSpan.FromSeconds(60) }
            .Build([new("nested", new Dictionary<string, object?> { ["when"] = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero) }),
                new("list", new object?[] { 1, "x", null, 1.5 }), new("iss", "ignored: the parameter wins")],
                DateTimeOffset.FromUnixTimeSeconds(1000));
        var json = Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries));
        Assert.Equal("""{"iss":"iss","aud":"a","iat":1000,"exp":1060,"nested":{"when":1893456000},"list":[1,"x",null,1.5]}""", json);
        Assert.Equal(json, Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries)));
    }

    [Fact]
    public void A_lifetime_under_one_second_is_refused_and_one_second_or_none_is_accepted()
    {
        foreach (var bad in new[] { TimeSpan.FromTicks(15), TimeSpan.Zero, TimeSpan.FromMinutes(-5), TimeSpan.FromMilliseconds(999) })
        {
            Assert.Equal("KmsSignature.InvalidLifetime", Assert.Throws<KmsSignatureException>(() => JwtClaimTemplate.RequireValidLifetime(bad)).ErrorId);
        }

        JwtClaimTemplate.RequireValidLifetime(TimeSpan.FromSeconds(1));
        JwtClaimTemplate.RequireValidLifetime(null);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Values_with_no_JSON_form_are_refused(double value)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([new("x", value)]));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void Float_values_with_no_JSON_form_are_refused(float value)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([new("x", value)]));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
    }

    // PowerShell's [float] (System.Single): 0.1f widened to double is 0.10000000149011612, not what the user typed.
    [Fact]
    public void A_float_claim_is_written_as_its_shortest_text()
    {
        var json = Encoding.UTF8.GetString(JoseJson.WriteObject([new("ratio", 0.1f), new("big", 3.4e38f), new("whole", 2f)]));
        Assert.Equal("""{"ratio":0.1,"big":3.4E+38,"whole":2}""", json);
    }

    // The signer's range check must see the double the verifier will read from the written text.
    [Fact]
    public void A_float_time_claim_is_range_checked_as_the_verifier_reads_it()
    {
        Assert.Equal(0.1, NumericDate.Seconds(0.1f));
        var claims = new JwtClaimTemplate().Build([new("exp", 1.9e9f)], DateTimeOffset.FromUnixTimeSeconds(1000));
        Assert.Equal("""{"iat":1000,"exp":1.9E+09}""", Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries)));
    }

    // Test-KmsSignature reads a NumericDate only within years 1-9999 (-62135596800 to 253402300799): a token with a
    // time claim beyond them is Malformed, so signing one is refused, and date arithmetic past year 9999 used to throw
    // an untyped ArgumentOutOfRangeException that ended the whole New-KmsSignedJwt pipeline.
    [Theory]
    [InlineData("exp", long.MaxValue)]
    [InlineData("nbf", 253402300800L)]
    [InlineData("iat", -62135596801L)]
    public void Time_claims_outside_the_NumericDate_range_are_refused(string name, long seconds)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new JwtClaimTemplate().Build([new(name, seconds)], DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(name, ex.Target);
    }

    // RFC 7519 §4.1.4: exp "MUST be a number containing a NumericDate value"; a string (a CSV column) or null is a
    // token Test-KmsSignature and every other verifier reject as malformed, so it is refused before KMS signs it.
    [Theory]
    [InlineData("exp", "1900000000")]
    [InlineData("nbf", null)]
    [InlineData("iat", true)]
    public void Time_claims_that_are_not_numbers_or_dates_are_refused(string name, object? value)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new JwtClaimTemplate().Build([new(name, value)], DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal(name, ex.Target);
        Assert.Contains("NumericDate", ex.Message);
    }

    // RFC 7519 §4.1: iss, sub and jti are strings, aud a string or an array of strings. A number (an id from a CSV cast
    // to [int], from ConvertFrom-Json) or $null was signed, and Test-KmsSignature then called every such token Malformed.
    [Theory]
    [InlineData("sub", 5)]
    [InlineData("iss", null)]
    [InlineData("jti", true)]
    [InlineData("aud", 7L)]
    [InlineData("aud", null)]
    public void Registered_string_claims_that_are_not_strings_are_refused(string name, object? value)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new JwtClaimTemplate().Build([new(name, value)], DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(name, ex.Target);

        var json = JoseJson.WriteObject([new(name, value)]);
        Assert.False(Core.Jose.JwtClaims.TryParse(json, out _, out _)); // what the verifier would have said
    }

    [Fact]
    public void An_aud_array_must_hold_only_strings_and_values_written_as_strings_are_kept()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new JwtClaimTemplate().Build([new("aud", new object?[] { "a", 5 })], DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Equal("aud", ex.Target);

        var claims = new JwtClaimTemplate().Build(
            [new("iss", new Uri("https://issuer.example/")), new("sub", Guid.Empty), new("jti", 'j'), new("aud", new object?[] { "a", DayOfWeek.Monday }), new("x", 5)],
            DateTimeOffset.FromUnixTimeSeconds(1000));
        var json = JoseJson.WriteObject(claims.Entries);
        Assert.Equal("""{"iat":1000,"iss":"https://issuer.example/","sub":"00000000-0000-0000-0000-000000000000","jti":"j","aud":["a","Monday"],"x":5}""", Encoding.UTF8.GetString(json));
        Assert.True(Core.Jose.JwtClaims.TryParse(json, out _, out _));
        Assert.Equal("""{"iat":1000,"aud":[]}""", Encoding.UTF8.GetString(JoseJson.WriteObject(new JwtClaimTemplate().Build([new("aud", Array.Empty<string>())], DateTimeOffset.FromUnixTimeSeconds(1000)).Entries)));
    }

    [Fact]
    public void A_lifetime_past_year_9999_is_refused()
    {
        var huge = new JwtClaimTemplate { Lifetime = TimeSpan.MaxValue };
        Assert.Equal("KmsSignature.InvalidClaimValue", Assert.Throws<KmsSignatureException>(() => huge.Build(null, DateTimeOffset.UtcNow)).ErrorId);
        var late = new JwtClaimTemplate { IssuedAt = DateTimeOffset.MaxValue, Lifetime = TimeSpan.FromHours(1) };
        Assert.Equal("exp", Assert.Throws<KmsSignatureException>(() => late.Build(null, DateTimeOffset.UtcNow)).Target);
    }

    [Fact]
    public void Time_claims_at_the_ends_of_the_range_and_as_other_number_types_are_kept()
    {
        var claims = new JwtClaimTemplate().Build([new("exp", 253402300799L), new("nbf", 1.9e9), new("iat", -62135596800L)], DateTimeOffset.UtcNow);
        Assert.Equal("""{"exp":253402300799,"nbf":1900000000,"iat":-62135596800}""", Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries)));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(253402300799), claims.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1900000000), new JwtClaimTemplate().Build([new("exp", 1.9e9)], DateTimeOffset.UtcNow).ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1900000000), new JwtClaimTemplate().Build([new("exp", 1900000000m)], DateTimeOffset.UtcNow).ExpiresAt);
    }

    // RFC 7519 §4.1.5: a token must not be accepted before its nbf. -NotBefore '...00.9Z' was floored to ...00, so the
    // token was valid 0.9 s before the time asked for; nbf now rounds up (as the verifier rounds a fractional nbf),
    // exp and iat still round down, so the validity window never widens. Dates in the claims object follow the same rule.
    [Fact]
    public void A_fractional_nbf_rounds_up_while_exp_and_iat_round_down()
    {
        static string Json(JwtClaimSet claims) => Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries));
        var at = DateTimeOffset.FromUnixTimeSeconds(1_893_456_000).AddMilliseconds(900);

        var parameters = new JwtClaimTemplate { NotBefore = at, IssuedAt = at, Lifetime = TimeSpan.FromMilliseconds(1500) }.Build(null, at);
        Assert.Equal("""{"iat":1893456000,"nbf":1893456001,"exp":1893456002}""", Json(parameters));
        var own = new JwtClaimTemplate().Build([new("nbf", at), new("exp", at), new("iat", at.UtcDateTime), new("o", new Dictionary<string, object?> { ["nbf"] = at })], at);
        Assert.Equal("""{"nbf":1893456001,"exp":1893456000,"iat":1893456000,"o":{"nbf":1893456000}}""", Json(own));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_893_456_000), own.ExpiresAt);

        var whole = DateTimeOffset.FromUnixTimeSeconds(1_893_456_000);
        Assert.Equal("""{"iat":1893456000,"nbf":1893456000}""", Json(new JwtClaimTemplate { NotBefore = whole, IssuedAt = whole }.Build(null, at)));

        // Rounded up, the last instant of year 9999 is no NumericDate any more: refused, not signed as 9999-12-31T23:59:59.
        foreach (var build in new Func<JwtClaimSet>[]
                 {
                     () => new JwtClaimTemplate { NotBefore = DateTimeOffset.MaxValue }.Build(null, at),
                     () => new JwtClaimTemplate().Build([new("nbf", DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc))], at),
                 })
        {
            var ex = Assert.Throws<KmsSignatureException>(build);
            Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
            Assert.Equal("nbf", ex.Target);
        }
    }

    // What the signer writes, the verifier reads as the same time. The signer checked the floor of a fractional value but
    // wrote the value itself, so exp 253402300799.5 (past 9999-12-31T23:59:59) was signed although only years 1 to 9999
    // are written (the dates every verifier can hold); the verifier reads a later time as the last date there is.
    [Theory]
    [InlineData("exp", "253402300799.5")]
    [InlineData("nbf", "253402300799.5")]
    [InlineData("iat", "253402300799.0001")]
    [InlineData("exp", "253402300799")]
    [InlineData("nbf", "253402300798.5")]
    [InlineData("iat", "-62135596800")]
    [InlineData("exp", "-62135596800.5")]
    [InlineData("nbf", "-62135596799.5")]
    public void Time_claims_are_signed_exactly_when_they_are_within_years_1_to_9999(string name, string text)
    {
        var json = Encoding.UTF8.GetBytes($"{{\"{name}\":{text}}}");
        var verifierReads = Core.Jose.JwtClaims.TryParse(json, out var claims, out _);
        var signerWrites = text is "253402300799" or "253402300798.5" or "-62135596800" or "-62135596799.5";
        var number = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var dec = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var value in new object[] { number, dec })
        {
            var build = () => new JwtClaimTemplate().Build([new(name, value)], DateTimeOffset.FromUnixTimeSeconds(1000));
            if (signerWrites)
            {
                var written = name == "iat" ? $"{{\"iat\":{text}}}" : $"{{\"iat\":1000,\"{name}\":{text}}}";
                Assert.Equal(written, Encoding.UTF8.GetString(JoseJson.WriteObject(build().Entries)));
            }
            else
            {
                var ex = Assert.Throws<KmsSignatureException>(build);
                Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
                Assert.Equal(name, ex.Target);
            }
        }

        Assert.Equal(signerWrites || number > 253402300799, verifierReads);
        var read = name switch { "exp" => claims?.ExpiresAt, "nbf" => claims?.NotBefore, _ => claims?.IssuedAt };
        Assert.Equal(signerWrites ? DateTimeOffset.FromUnixTimeSeconds((long)(name == "nbf" ? Math.Ceiling(number) : Math.Floor(number))) : verifierReads ? DateTimeOffset.MaxValue : null, read);
    }

    // -Lifetime "sets exp to iat plus this time span": an iat from the claims object is that iat, not the time of signing.
    [Fact]
    public void Lifetime_counts_from_an_iat_given_in_the_claims()
    {
        var template = new JwtClaimTemplate { Lifetime = TimeSpan.FromHours(1) };
        var now = DateTimeOffset.FromUnixTimeSeconds(5_000_000);
        Assert.Equal("""{"exp":4600,"iat":1000}""", Encoding.UTF8.GetString(JoseJson.WriteObject(template.Build([new("iat", 1000)], now).Entries)));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_893_459_600),
            template.Build([new("iat", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))], now).ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(7_200),
            new JwtClaimTemplate { Lifetime = TimeSpan.FromHours(1), IssuedAt = DateTimeOffset.FromUnixTimeSeconds(3_600) }.Build([new("iat", 1000)], now).ExpiresAt); // -IssuedAt wins

        var ex = Assert.Throws<KmsSignatureException>(() => template.Build([new("iat", "yesterday")], now));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal("iat", ex.Target);
    }

    // The help says a $null time claim is an error; a $null iat (a missing CSV column) was silently replaced by the time of signing.
    [Fact]
    public void A_null_iat_in_the_claims_is_an_error_not_the_time_of_signing()
    {
        foreach (var template in new[] { new JwtClaimTemplate(), new JwtClaimTemplate { Lifetime = TimeSpan.FromHours(1) } })
        {
            var ex = Assert.Throws<KmsSignatureException>(() => template.Build([new("iat", null)], DateTimeOffset.FromUnixTimeSeconds(1000)));
            Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
            Assert.Equal("iat", ex.Target);
        }

        var withIssuedAt = new JwtClaimTemplate { IssuedAt = DateTimeOffset.FromUnixTimeSeconds(2000) }.Build([new("iat", null)], DateTimeOffset.FromUnixTimeSeconds(1000));
        Assert.Equal(2000L, withIssuedAt["iat"]); // -IssuedAt still wins over the claims' iat
    }

    // Uri.ToString() is not the text given: an iss of [uri]'https://issuer.example' was signed as "https://issuer.example/",
    // which verifiers comparing iss exactly reject; escapes were undone and the host lowercased.
    [Fact]
    public void A_Uri_claim_is_written_as_given()
    {
        var claims = new JwtClaimTemplate().Build(
            [new("iss", new Uri("https://issuer.example")), new("u", new Uri("HTTPS://A.Example:443/a%2Fb?q=%26x%20y")), new("rel", new Uri("p/q", UriKind.Relative))],
            DateTimeOffset.FromUnixTimeSeconds(1000));
        Assert.Equal("""{"iat":1000,"iss":"https://issuer.example","u":"HTTPS://A.Example:443/a%2Fb?q=%26x%20y","rel":"p/q"}""",
            Encoding.UTF8.GetString(JoseJson.WriteObject(claims.Entries)));
    }

    // An XmlElement is IEnumerable over its child nodes: <role id="1">admin</role> was signed as [[]].
    [Fact]
    public void An_XML_node_is_refused_not_written_as_its_child_nodes()
    {
        var document = new System.Xml.XmlDocument();
        document.LoadXml("""<a><role id="1">admin</role></a>""");
        var ex = Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([new("role", document.DocumentElement!.FirstChild)]));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal("role", ex.Target);
        Assert.Contains("InnerText", ex.Message, StringComparison.Ordinal);
    }

    // A lone surrogate has no UTF-8 form: the JSON writer silently signed U+FFFD in its place, a claim the caller never gave.
    [Theory]
    [InlineData("value")]
    [InlineData("name")]
    [InlineData("nested")]
    public void Strings_that_are_not_valid_UTF16_are_refused_not_replaced(string where)
    {
        KeyValuePair<string, object?> member = where switch
        {
            "value" => new("s", "ok\uD800"),
            "name" => new("\uDC00x", 1),
            _ => new("o", new Dictionary<string, object?> { ["list"] = new object?[] { "a", "\uD83D" } }),
        };
        var ex = Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([member]));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("""{"e":"\uD83D\uDE00 é"}""", Encoding.UTF8.GetString(JoseJson.WriteObject([new("e", "\U0001F600 é")])));
    }

    // The signer refuses what the verifier cannot read, so it must count nesting as the reader does: the top-level
    // object is one of JwsLimits.MaxJsonDepth levels. Signing allowed one array more, a token Test-KmsSignature then
    // called Malformed ("not valid JSON") and jose verified.
    [Theory]
    [InlineData(30, true)]
    [InlineData(31, true)]
    [InlineData(32, false)]
    public void Claims_nest_exactly_as_deep_as_the_verifier_reads(int arrays, bool signed)
    {
        object? value = Array.Empty<object?>();
        for (var i = 1; i < arrays; i++)
        {
            value = new object?[] { value };
        }

        object? scalar = 1; // scalars inside the deepest array the verifier reads are fine
        for (var i = 0; i < arrays - 1; i++)
        {
            scalar = new object?[] { scalar };
        }

        if (!signed)
        {
            Assert.Equal("KmsSignature.InvalidClaimValue", Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([new("x", value)])).ErrorId);
            Assert.Equal("KmsSignature.InvalidClaimValue", Assert.Throws<KmsSignatureException>(() => JoseJson.WriteObject([new("x", new Dictionary<string, object?> { ["y"] = value })])).ErrorId);
            return;
        }

        var nested = JoseJson.WriteObject([new("x", value)]);
        var nestedScalar = JoseJson.WriteObject([new("x", scalar)]);
        Assert.Equal("{\"x\":" + new string('[', arrays) + new string(']', arrays) + "}", Encoding.UTF8.GetString(nested));
        Assert.Equal("{\"x\":" + new string('[', arrays - 1) + "1" + new string(']', arrays - 1) + "}", Encoding.UTF8.GetString(nestedScalar));
        foreach (var json in new[] { nested, nestedScalar })
        {
            Assert.True(Core.Jose.JwtClaims.TryParse(json, out _, out var error), error);
            Assert.True(Core.Jose.JoseHeader.TryParse([.. "{\"alg\":\"ES256\","u8, .. json.AsSpan(1)], out _, out error), error);
        }
    }

    [Fact]
    public void Messages_over_4096_bytes_become_digests_only_where_the_algorithm_has_one()
    {
        var big = new byte[4097];
        Assert.Equal(MessageType.Raw, SigningMessage.For(new byte[4096], SignatureAlgorithm.EcdsaSha256, null).Type);
        var digest = SigningMessage.For(big, SignatureAlgorithm.RsaPssSha384, null);
        Assert.Equal(MessageType.Digest, digest.Type);
        Assert.Equal(System.Security.Cryptography.SHA384.HashData(big), digest.Bytes);
        Assert.Equal("KmsSignature.MessageTooLarge", Assert.Throws<KmsSignatureException>(() => SigningMessage.For(big, SignatureAlgorithm.Ed25519Sha512, null)).ErrorId);
        Assert.Equal("KmsSignature.MessageTooLarge", Assert.Throws<KmsSignatureException>(() => SigningMessage.For(big, SignatureAlgorithm.MlDsaShake256, null)).ErrorId);
    }

    [Fact]
    public void An_empty_message_becomes_the_digest_of_nothing_where_the_algorithm_has_one()
    {
        // KMS Sign's Message is 1 to 4096 bytes: an empty RAW message is a ValidationException.
        var ecdsa = SigningMessage.For([], SignatureAlgorithm.EcdsaSha384, "empty.txt");
        Assert.Equal(MessageType.Digest, ecdsa.Type);
        Assert.Equal(System.Security.Cryptography.SHA384.HashData([]), ecdsa.Bytes);
        var rsa = SigningMessage.For([], SignatureAlgorithm.RsaPssSha256, "empty.txt");
        Assert.Equal(MessageType.Digest, rsa.Type);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([]), rsa.Bytes);

        foreach (var algorithm in new[] { SignatureAlgorithm.Ed25519Sha512, SignatureAlgorithm.MlDsaShake256 })
        {
            var ex = Assert.Throws<KmsSignatureException>(() => SigningMessage.For([], algorithm, "empty.txt"));
            Assert.Equal("KmsSignature.EmptyMessage", ex.ErrorId);
            Assert.Equal("empty.txt", ex.Target);
            Assert.Contains(algorithm.KmsName, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Atomic_write_never_overwrites_without_permission_and_leaves_no_temporary_file()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var path = Path.Combine(dir, "a.sig");
            AtomicFile.Write(path, [1, 2], overwrite: false);
            Assert.Equal("KmsSignature.OutputFileExists", Assert.Throws<KmsSignatureException>(() => AtomicFile.Write(path, [3], overwrite: false)).ErrorId);
            Assert.Equal([1, 2], File.ReadAllBytes(path));
            AtomicFile.Write(path, [3], overwrite: true);
            Assert.Equal([3], File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

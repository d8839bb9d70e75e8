using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>Test-KmsSignature -Token as a user runs it: piped tokens, key sources, statuses, -Quiet.</summary>
public sealed class TestKmsSignatureTokenTests : IDisposable
{
    private readonly PowerShellSession session = new();

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    private static string Token(string file) => File.ReadAllText(Fixture($"tokens/{file}"));

    private ScriptResult Run(string script, Dictionary<string, object?>? variables = null) =>
        session.Run(script, variables ?? new Dictionary<string, object?>());

    public void Dispose() => session.Dispose();

    [Fact]
    public void Piped_tokens_give_one_result_each_in_input_order()
    {
        var files = new[] { "es256-p256.jwt", "es256-expired.jwt", "rs256-rsa2048.jwt", "es256-unknown-kid.jwt", "ml-dsa-65-mldsa65.jwt" };
        var tokens = files.Select(Token).ToArray();

        var result = Run("$tokens | Test-KmsSignature -TrustStore $store",
            new() { ["tokens"] = tokens, ["store"] = Fixture("keys/jwks.json") }).AssertSuccess();

        Assert.Equal(["Valid", "Expired", "Valid", "UntrustedKey", "Valid"],
            result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal("KmsSignature.Core.Verification.VerificationResult", result.Output[0].BaseObject.GetType().FullName);
        Assert.Equal("p256", result.Output[0].Properties["KeyId"].Value);
        Assert.Equal("ES256", result.Output[0].Properties["Algorithm"].Value);
        Assert.Equal(true, result.Output[0].Properties["IsValid"].Value);
    }

    // One hostile token in a stream of thousands must cost one result, not the run: before, a header byte that was
    // not UTF-8 or an exp in year 9999 stopped the pipeline with an untyped exception, and -Quiet wrote nothing.
    [Theory]
    [InlineData("")]
    [InlineData(" -ThrottleLimit 2")]
    [InlineData(" -Quiet")]
    public void Hostile_tokens_are_results_and_the_rest_of_the_pipeline_still_verifies(string options)
    {
        using var signer = new Es256Signer();
        var good = signer.Sign("{\"alg\":\"ES256\"}"u8.ToArray(), "{\"sub\":\"a\"}");
        var notUtf8 = signer.Sign([.. "{\"alg\":\"ES256\",\"kid\":\""u8, 0xFF, .. "\"}"u8], "{}");
        var neverExpires = signer.Sign("{\"alg\":\"ES256\"}"u8.ToArray(), "{\"exp\":253402300799}");

        var result = Run($"$tokens | Test-KmsSignature -PublicKey $key{options}",
            new() { ["tokens"] = new[] { good, notUtf8, neverExpires, good }, ["key"] = signer.PublicKeyPem }).AssertSuccess();

        if (options.Contains("Quiet"))
        {
            Assert.Equal(false, Assert.Single(result.Output).BaseObject);
            return;
        }

        Assert.Equal(["Valid", "Malformed", "Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
    }

    // exp = 1e12 (year 33658) is a "never expires" some issuers write; the result shows it as the last date there is.
    [Fact]
    public void Exp_and_nbf_past_year_9999_verify_and_their_results_display()
    {
        using var signer = new Es256Signer();

        var result = Run(
            // Every property read and shown as text, as Format-List * would (the minimal host has no formatting cmdlets).
            "$r = $tokens | Test-KmsSignature -PublicKey $key; $r; foreach ($o in $r) { (@($o.PSObject.Properties | ForEach-Object { [string]$_.Value }) -join ' ').Contains('9999') }",
            new() { ["tokens"] = new[] { signer.Sign("{\"sub\":\"a\",\"exp\":1e12}"), signer.Sign("{\"sub\":\"b\",\"nbf\":253402300800}") }, ["key"] = signer.PublicKeyPem })
            .AssertSuccess();

        Assert.Equal(["Valid", "NotYetValid"], result.Output.Take(2).Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(DateTimeOffset.MaxValue, result.Output[0].Properties["ExpiresAt"].Value);
        Assert.Equal([true, true], result.Output.Skip(2).Select(o => o.BaseObject));
    }

    // RFC 7519 makes exp optional: a token without one is Valid forever unless the verifier asks for it.
    [Fact]
    public void RequireExpiration_refuses_a_token_without_exp_and_passes_one_with_it()
    {
        using var signer = new Es256Signer();

        var vars = new Dictionary<string, object?>
        {
            ["tokens"] = new[] { signer.Sign("{\"sub\":\"forever\"}"), signer.Sign("{\"sub\":\"soon\",\"exp\":253402300799}") },
            ["key"] = signer.PublicKeyPem,
        };

        var lenient = Run("$tokens | Test-KmsSignature -PublicKey $key", vars).AssertSuccess();
        var strict = Run("$tokens | Test-KmsSignature -PublicKey $key -RequireExpiration", vars).AssertSuccess();

        Assert.Equal(["Valid", "Valid"], lenient.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal(["ClaimMismatch", "Valid"], strict.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.Equal("the token has no exp claim", strict.Output[0].Properties["Reason"].Value);
    }

    [Fact]
    public void Lines_read_from_a_file_with_crlf_and_blank_space_verify()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tokens-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "  " + Token("es256-p256.jwt").Trim() + "  \r\n\t" + Token("es384-p384.jwt").Trim() + "\r\n");
        try
        {
            var result = Run("[IO.File]::ReadAllLines($path) | Test-KmsSignature -PublicKey $keys",
                new() { ["path"] = path, ["keys"] = Fixture("keys/jwks.json") }).AssertSuccess();

            Assert.All(result.Output, o => Assert.Equal(true, o.Properties["IsValid"].Value));
            Assert.Equal(2, result.Output.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Pem_text_and_key_path_work_as_public_key()
    {
        var byText = Run("Test-KmsSignature -Token $t -PublicKey ([IO.File]::ReadAllText($pem))",
            new() { ["t"] = Token("es256-p256.jwt"), ["pem"] = Fixture("keys/p256.pem") }).AssertSuccess();
        var byPath = Run("Test-KmsSignature $t -PublicKey $pem",
            new() { ["t"] = Token("ed25519-ed25519.jwt"), ["pem"] = Fixture("keys/ed25519.der") }).AssertSuccess();

        Assert.Equal("Valid", byText.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal("Valid", byPath.Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Key_object_with_a_pem_property_works_as_public_key()
    {
        var result = Run("$key = [pscustomobject]@{ KeyId = 'k'; Pem = [IO.File]::ReadAllText($pem) }; Test-KmsSignature $t -PublicKey $key",
            new() { ["t"] = Token("es512-p521.jwt"), ["pem"] = Fixture("keys/p521.pem") }).AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
    }

    // Get-Content -Raw writes the text wrapped with PSPath notes, and a hashtable keeps that wrapper: the property holds a
    // PSObject around the string (the hosted engine has no Get-Content; the script wraps the text the same way).
    [Theory]
    [InlineData("Pem", "keys/p521.pem")]
    [InlineData("Jwk", "keys/p521.jwk.json")]
    public void Key_object_whose_text_came_from_get_content_works_as_public_key(string property, string keyFile)
    {
        var result = Run(
            "$text = [psobject]::new([IO.File]::ReadAllText($file)); $text.PSObject.Properties.Add([psnoteproperty]::new('PSPath', $file)); "
            + "$key = [pscustomobject]@{ KeyId = 'k'; $property = $text }; Test-KmsSignature $t -PublicKey $key",
            new() { ["t"] = Token("es512-p521.jwt"), ["file"] = Fixture(keyFile), ["property"] = property }).AssertSuccess();

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Issuer_audience_at_and_clock_skew_are_applied()
    {
        var vars = new Dictionary<string, object?> { ["t"] = Token("es256-expired.jwt"), ["store"] = Fixture("keys") };

        var atValid = Run("Test-KmsSignature $t -TrustStore $store -At ([DateTimeOffset]::FromUnixTimeSeconds(1700003000)) -Issuer https://issuer.example -Audience kms-signature-tests", vars).AssertSuccess();
        var wrongAud = Run("Test-KmsSignature $t -TrustStore $store -At ([DateTimeOffset]::FromUnixTimeSeconds(1700003000)) -Audience someone", vars).AssertSuccess();
        var skewed = Run("Test-KmsSignature $t -TrustStore $store -At ([datetime]'2023-11-14T23:18:20Z').ToUniversalTime() -ClockSkew ([TimeSpan]::FromMinutes(10))", vars).AssertSuccess();
        var defaultSkew = Run("Test-KmsSignature $t -TrustStore $store -At ([datetime]'2023-11-14T23:18:20Z').ToUniversalTime()", vars).AssertSuccess();
        var expired = Run("Test-KmsSignature $t -TrustStore $store", vars).AssertSuccess();

        Assert.Equal("Valid", atValid.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal("ClaimMismatch", wrongAud.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal("Expired", expired.Output.Single().Properties["Status"].Value.ToString());
        // 2023-11-14T23:18:20Z is 5 minutes past exp (1700003600): inside a 10-minute skew, outside the default minute.
        Assert.Equal("Valid", skewed.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal("Expired", defaultSkew.Output.Single().Properties["Status"].Value.ToString());
    }

    // -ClockSkew 300 binds as 300 ticks (30 µs): the expired token was Expired with "clock skew 0 s", the skew silently lost.
    [Theory]
    [InlineData("300")]
    [InlineData("([TimeSpan]::FromMilliseconds(500))")]
    public void A_clock_skew_under_one_second_is_terminating_and_explains_ticks(string skew)
    {
        var result = Run($"Test-KmsSignature -Token $t -TrustStore $store -ClockSkew {skew}; 'next'",
            new() { ["t"] = Token("es256-expired.jwt"), ["store"] = Fixture("keys") });

        Assert.Equal("next", Assert.Single(result.Output).BaseObject); // no result: the run stopped before verifying
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KmsSignature.InvalidClockSkew,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("New-TimeSpan -Seconds", error.Exception.Message);
    }

    [Fact]
    public void A_clock_skew_of_zero_or_whole_seconds_is_accepted()
    {
        var result = Run("Test-KmsSignature -Token $t -TrustStore $store -ClockSkew 0; Test-KmsSignature -Token $t -TrustStore $store -ClockSkew '00:00:01'",
            new() { ["t"] = Token("es256-p256.jwt"), ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.Equal(2, result.Output.Count);
    }

    [Fact]
    public void Der_signature_needs_allow_der_signature()
    {
        var vars = new Dictionary<string, object?> { ["t"] = Token("es256-der-signature.jwt"), ["store"] = Fixture("keys") };

        var strict = Run("Test-KmsSignature $t -TrustStore $store", vars).AssertSuccess().Output.Single();
        var lenient = Run("Test-KmsSignature $t -TrustStore $store -AllowDerSignature", vars).AssertSuccess().Output.Single();

        Assert.Equal("InvalidSignature", strict.Properties["Status"].Value.ToString());
        Assert.Equal("Valid", lenient.Properties["Status"].Value.ToString());
        Assert.Equal(true, lenient.Properties["DerSignature"].Value);
    }

    [Fact]
    public void Algorithm_restricts_the_allow_list()
    {
        var result = Run("Test-KmsSignature $t -TrustStore $store -Algorithm RS256, PS256",
            new() { ["t"] = Token("es256-p256.jwt"), ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.Equal("AlgorithmNotAllowed", result.Output.Single().Properties["Status"].Value.ToString());
    }

    [Theory]
    [InlineData("", "Malformed")]
    [InlineData("a.b", "Malformed")]
    [InlineData("a.b.c.d", "Malformed")]
    public void Bad_tokens_are_results_not_errors(string token, string status)
    {
        var result = Run("Test-KmsSignature -Token $t -TrustStore $store",
            new() { ["t"] = token, ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.Equal(status, result.Output.Single().Properties["Status"].Value.ToString());
    }

    // Copied from an HTTP header, a JSON document or a whole file: the reason must name that mistake, not base64url or JWE.
    [Theory]
    [InlineData("Bearer {0}", "'Bearer ' prefix")]
    [InlineData("Authorization: Bearer {0}", "'Bearer ' prefix")]
    [InlineData("\"{0}\"", "in quotes")]
    [InlineData("'{0}'", "in quotes")]
    [InlineData("{0}\r\n{0}\r\n\r\n", "line break inside")]
    // A byte order mark kept by [IO.File]::ReadAllBytes/UTF8.GetString or a shell's $(cat file), and zero-width characters
    // copied from a web page or chat: invisible, so "not strict base64url" sent the user looking at the token's letters.
    [InlineData("\uFEFF{0}", "invisible character U+FEFF (a byte order mark")]
    [InlineData("{0}\u200B", "invisible character U+200B")]
    [InlineData("\u2060{0}", "invisible character U+2060")]
    public void Pasted_tokens_say_what_to_remove(string pasted, string reason)
    {
        var token = Token("es256-p256.jwt").Trim();

        var result = Run("Test-KmsSignature -Token $t -TrustStore $store",
            new() { ["t"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, pasted, token), ["store"] = Fixture("keys") }).AssertSuccess();

        var output = result.Output.Single();
        Assert.Equal("Malformed", output.Properties["Status"].Value.ToString());
        Assert.Contains(reason, (string)output.Properties["Reason"].Value);
    }

    // Get-FileHash takes path strings from the pipeline; Test-KmsSignature reads a string as a token, and said only "2 segments".
    [Theory]
    [InlineData("app.zip")]
    [InlineData("release-1.2.3.tar.gz")]
    [InlineData("./tokens/issued.txt")]
    [InlineData(@"C:\release\app")]
    public void A_file_name_piped_as_a_string_says_how_to_verify_a_file(string path)
    {
        var result = Run("$p | Test-KmsSignature -TrustStore $store", new() { ["p"] = path, ["store"] = Fixture("keys") }).AssertSuccess();

        var output = result.Output.Single();
        Assert.Equal("Malformed", output.Properties["Status"].Value.ToString());
        Assert.Contains("looks like a file's name or path: to verify a file against its signature, pipe Get-Item", (string)output.Properties["Reason"].Value);
    }

    // Truncated, standard-base64 or pasted tokens, and dotted text with no file's ending, keep their own reasons.
    [Theory]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30.ab/cd+ef")]
    [InlineData("eyAiYWxnIjoiRVMyNTYifQ.e30.ab/cd")] // a header with a space after '{'
    [InlineData("Bearer eyJhbGciOiJFUzI1NiJ9.e30.abc")]
    [InlineData("a.b.c.d")]
    [InlineData("abc.def.ghi")]
    [InlineData("v1.2")]
    public void Token_like_text_is_not_taken_for_a_file_name(string text)
    {
        var result = Run("Test-KmsSignature -Token $t -TrustStore $store", new() { ["t"] = text, ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.DoesNotContain("file's name", (string)result.Output.Single().Properties["Reason"].Value);
    }

    [Theory]
    [InlineData("alg-none.jwt", "AlgorithmNotAllowed")]
    [InlineData("hs256-rsa-public-key.jwt", "AlgorithmNotAllowed")]
    [InlineData("es384-header-on-p256.jwt", "AlgorithmNotAllowed")]
    [InlineData("es256-unknown-kid.jwt", "UntrustedKey")]
    [InlineData("es256-crit.jwt", "UnsupportedCriticalHeader")]
    [InlineData("es256-not-yet-valid.jwt", "NotYetValid")]
    public void Hostile_and_wrong_tokens_get_their_status(string file, string status)
    {
        var result = Run("Test-KmsSignature -Token $t -TrustStore $store",
            new() { ["t"] = Token(file), ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.Equal(status, result.Output.Single().Properties["Status"].Value.ToString());
    }

    [Fact]
    public void Quiet_returns_a_single_bool()
    {
        var good = new[] { Token("es256-p256.jwt"), Token("ps256-rsa2048.jwt") };
        var mixed = new[] { Token("es256-p256.jwt"), Token("es256-expired.jwt") };

        var allValid = Run("$t | Test-KmsSignature -TrustStore $store -Quiet", new() { ["t"] = good, ["store"] = Fixture("keys") }).AssertSuccess();
        var notAll = Run("$t | Test-KmsSignature -TrustStore $store -Quiet", new() { ["t"] = mixed, ["store"] = Fixture("keys") }).AssertSuccess();

        Assert.Equal(true, allValid.Output.Single().BaseObject);
        Assert.Equal(false, notAll.Output.Single().BaseObject);
    }

    [Fact]
    public void Table_view_selects_the_output_type_and_names_real_properties()
    {
        // Out-String/Format-Table are not in the minimal host; check the view against the real output object.
        var output = Run("Test-KmsSignature $t -TrustStore $store",
            new() { ["t"] = Token("es256-p256.jwt"), ["store"] = Fixture("keys") }).AssertSuccess().Output.Single();
        var view = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.ModuleDirectory, "KmsSignature.Verification.Format.ps1xml"));

        var table = view.Descendants("View").Single(v => v.Element("TableControl") is not null);
        Assert.Equal(output.BaseObject.GetType().FullName, table.Descendants("TypeName").Single().Value);
        var properties = table.Descendants("PropertyName").Select(p => p.Value).ToArray();
        Assert.Equal(["Status", "Reason"], properties);
        Assert.Equal("p256", output.Properties["KeyId"].Value); // shown through a script block (TableViewTests)
        Assert.Equal(["Valid", "ES256 signature verifies with a trusted key"], properties.Select(p => output.Properties[p].Value?.ToString()));
        Assert.Equal("fixture-ES256", output.Properties["Subject"].Value);
        Assert.Contains(table.Descendants("Label"), l => l.Value == "Subject/File");
    }

    [Fact]
    public void Table_views_give_enum_columns_room_for_every_name()
    {
        // A fixed-width column cuts a longer value to "AlgorithmNotAll…"; an enum column must fit every name it can show.
        var core = Run("Test-KmsSignature $t -TrustStore $store", new() { ["t"] = Token("es256-p256.jwt"), ["store"] = Fixture("keys") })
            .AssertSuccess().Output.Single().BaseObject.GetType().Assembly;
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.ModuleDirectory, "*.Format.ps1xml"))
        {
            foreach (var view in System.Xml.Linq.XDocument.Load(file).Descendants("View"))
            {
                var type = core.GetType(view.Descendants("TypeName").Single().Value);
                var headers = view.Descendants("TableColumnHeader").ToList();
                var items = view.Descendants("TableColumnItem").ToList();
                if (type is null || headers.Count == 0)
                {
                    continue;
                }

                for (var i = 0; i < headers.Count; i++)
                {
                    var width = headers[i].Element("Width")?.Value;
                    var property = items[i].Element("PropertyName")?.Value;
                    var propertyType = property is null ? null : type.GetProperty(property)?.PropertyType;
                    propertyType = propertyType is null ? null : Nullable.GetUnderlyingType(propertyType) ?? propertyType;
                    if (width is null || propertyType is not { IsEnum: true })
                    {
                        continue;
                    }

                    var longest = Enum.GetNames(propertyType).MaxBy(n => n.Length)!;
                    if (int.Parse(width, System.Globalization.CultureInfo.InvariantCulture) < longest.Length)
                    {
                        problems.Add($"{Path.GetFileName(file)} {type.Name}.{property}: Width {width} < {longest.Length} ({longest})");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Command_declares_its_output_types()
    {
        var result = Run("(Get-Command Test-KmsSignature).OutputType.Name").AssertSuccess();

        Assert.Equal(["KmsSignature.Core.Verification.VerificationResult", "System.Boolean"], result.Output.Select(o => o.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Test-KmsSignature -Algorithm ES", "ES256,ES384,ES512,ES256K")]
    [InlineData("Test-KmsSignature -Algorithm ps5", "PS512")]
    [InlineData("Test-KmsSignature -Path a.bin -Algorithm RSASSA_PSS", "RSASSA_PSS_SHA_256,RSASSA_PSS_SHA_384,RSASSA_PSS_SHA_512")]
    [InlineData("Test-KmsSignature -Algorithm Ed", "Ed25519,EdDSA,ED25519_SHA_512,ED25519_PH_SHA_512")]
    public void Algorithm_completes_JOSE_algs_then_KMS_names(string input, string expected)
    {
        var result = Run("(TabExpansion2 -inputScript $i -cursorColumn $i.Length).CompletionMatches.CompletionText",
            new() { ["i"] = input }).AssertSuccess();
        Assert.Equal(expected, string.Join(",", result.Output.Select(o => o.BaseObject.ToString())));
    }

    // An -Audience or -Issuer that arrives empty ($config.Audience unset, a filter that matched nothing) used to turn the check
    // off: the token below, with no aud and no iss, came back Valid. Binding refuses it, as Get-Content refuses -Path ''.
    [Theory]
    [InlineData("-Audience @()")]
    [InlineData("-Audience $null")]
    [InlineData("-Audience ''")]
    [InlineData("-Issuer @()")]
    [InlineData("-Issuer $null")]
    [InlineData("-Issuer ''")]
    public void An_empty_audience_or_issuer_is_a_binding_error_not_an_unchecked_claim(string expectation)
    {
        var result = Run($"Test-KmsSignature -Token $t -TrustStore $store {expectation}",
            new() { ["t"] = Token("es256-p256.jwt"), ["store"] = Fixture("keys/jwks.json") });

        Assert.Empty(result.Output);
        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.IsType<ParameterBindingException>(error.Exception, exactMatch: false);
    }

    // '' resolves to the current location: -TrustStore '' read whatever key files the current directory held and trusted them
    // (-PublicKey '' said the current directory is not a key file).
    [Theory]
    [InlineData("-TrustStore ''")]
    [InlineData("-TrustStore $store -LiteralPath ''")]
    [InlineData("-TrustStore $store -LiteralPath $f -SignaturePath ''")]
    [InlineData("-PublicKey '' -Token 'a.b.c'")]
    [InlineData("-PublicKey $store, '' -Token 'a.b.c'")]
    [InlineData("-PublicKey $store, $null -Token 'a.b.c'")]
    [InlineData("-PublicKey @() -Token 'a.b.c'")]
    public void An_empty_trust_store_or_path_is_a_binding_error_not_the_current_directory(string parameters)
    {
        var result = Run($"Test-KmsSignature {parameters}",
            new() { ["store"] = Fixture("keys/jwks.json"), ["f"] = Fixture("keys/jwks.json") });

        Assert.Empty(result.Output);
        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.IsType<ParameterBindingException>(error.Exception, exactMatch: false);
    }

    // ES256 tokens over any header and payload, with a fresh P-256 key: for tokens no fixture holds.
    private sealed class Es256Signer : IDisposable
    {
        private readonly System.Security.Cryptography.ECDsa key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        public string PublicKeyPem => key.ExportSubjectPublicKeyInfoPem();

        public string Sign(string payload) => Sign("{\"alg\":\"ES256\",\"typ\":\"JWT\"}"u8.ToArray(), payload);

        public string Sign(byte[] header, string payload)
        {
            var input = B64(header) + "." + B64(System.Text.Encoding.UTF8.GetBytes(payload));
            return input + "." + B64(key.SignData(System.Text.Encoding.ASCII.GetBytes(input), System.Security.Cryptography.HashAlgorithmName.SHA256));
        }

        public void Dispose() => key.Dispose();

        private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

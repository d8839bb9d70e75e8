using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// about_KmsSignature's NOTE: the module's types live in its private load context, so a script cannot name them as type
/// literals, and the ways the note gives instead (strings for enums, PSObject.TypeNames for types) work.
/// </summary>
public sealed class TypeNamesInPwshTests
{
    [Fact]
    public void Scripts_compare_status_with_strings_and_types_by_name_as_the_about_topic_says()
    {
        var run = Pwsh.Run("""
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            $r = Test-KmsSignature -Token (Get-Content ./tests/fixtures/tokens/es256-p256.jwt) -PublicKey ./tests/fixtures/keys/p256.pem
            "status|$($r.Status -eq 'Valid')"
            "typename|$($r.PSObject.TypeNames -contains 'KmsSignature.Core.Verification.VerificationResult')"
            try { $null = $r -is [KmsSignature.Core.Verification.VerificationResult]; 'literal|resolved' } catch { "literal|$($_.FullyQualifiedErrorId)" }
            """,
            new Dictionary<string, string>(),
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("status|True", run.Output, StringComparison.Ordinal);
        Assert.Contains("typename|True", run.Output, StringComparison.Ordinal);
        Assert.Contains("literal|TypeNotFound", run.Output, StringComparison.Ordinal);
    }
}

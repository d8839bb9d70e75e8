using KmsSignature.Core;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class AliasNamePatternTests
{
    [Theory]
    [InlineData("app-*", "alias/app-jwt", true)]
    [InlineData("alias/app-?", "alias/app-1", true)]
    [InlineData("app-[ab]", "alias/app-b", true)]
    [InlineData("app-[ab]", "alias/app-c", false)]
    [InlineData("app-[a-c]x", "alias/app-bx", true)]
    [InlineData("app-[-_]x", "alias/app-_x", true)]
    [InlineData("app-[a-c]x", "alias/app--x", false)]
    [InlineData("App-*", "alias/app-jwt", false)]
    [InlineData("app.*", "alias/app-jwt", false)]
    public void Patterns_match_as_PowerShell_wildcards_case_sensitively(string pattern, string alias, bool matches) =>
        Assert.Equal(matches, AliasNamePattern.Parse(pattern).IsMatch(alias));

    [Fact]
    public void A_plain_name_gets_its_prefix_and_the_alias_name_rules()
    {
        var plain = AliasNamePattern.Parse(" app-jwt ");
        Assert.False(plain.HasWildcards);
        Assert.Equal("alias/app-jwt", plain.Text);
        Assert.Equal("KmsSignature.InvalidAliasName", Assert.Throws<KmsSignatureException>(() => AliasNamePattern.Parse("app jwt")).ErrorId);
    }

    [Theory]
    [InlineData("app-[ab")]
    [InlineData("app-[]")]
    public void A_set_without_its_closing_bracket_is_refused(string pattern)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => AliasNamePattern.Parse(pattern));
        Assert.Equal("KmsSignature.InvalidAliasPattern", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(pattern, ex.Target);
    }
}

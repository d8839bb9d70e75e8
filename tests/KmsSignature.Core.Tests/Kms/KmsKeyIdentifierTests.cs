using KmsSignature.Core;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class KmsKeyIdentifierTests
{
    [Theory]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab", KmsKeyIdentifierKind.KeyId)]
    [InlineData("mrk-1234abcd12ab34cd56ef1234567890ab", KmsKeyIdentifierKind.KeyId)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", KmsKeyIdentifierKind.KeyArn)]
    [InlineData("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab", KmsKeyIdentifierKind.KeyArn)]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", KmsKeyIdentifierKind.KeyArn)]
    [InlineData("alias/app/jwt-signer_1", KmsKeyIdentifierKind.AliasName)]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:alias/app-signer", KmsKeyIdentifierKind.AliasArn)]
    public void Parse_recognises_every_KMS_form(string text, KmsKeyIdentifierKind kind)
    {
        var identifier = KmsKeyIdentifier.Parse(text);
        Assert.Equal(kind, identifier.Kind);
        Assert.Equal(text, identifier.Value);
    }

    [Theory]
    [InlineData("arn:aws:kms:eu-west-3:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "eu-west-3")]
    [InlineData("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/app", "us-gov-west-1")]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab", null)]
    [InlineData("alias/app", null)]
    public void Region_is_the_one_an_ARN_names(string text, string? region) => Assert.Equal(region, KmsKeyIdentifier.Parse(text).Region);

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("arn:aws:kms:us-east-1:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab")] // 11-digit account
    [InlineData("arn:aws:s3:::bucket")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/not-a-uuid")]
    [InlineData("alias/")]
    [InlineData("alias/has space")]
    public void Parse_rejects_malformed_identifiers_with_a_specific_error(string text)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.Parse(text));
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Theory]
    [InlineData("app-signer", "alias/app-signer")]
    [InlineData("alias/app-signer", "alias/app-signer")]
    [InlineData(" team/app ", "alias/team/app")]
    [InlineData("Alias/App", "alias/App")]
    [InlineData("ALIAS/team/app", "alias/team/app")]
    public void NormalizeAliasName_adds_the_prefix_once(string given, string expected) =>
        Assert.Equal(expected, KmsKeyIdentifier.NormalizeAliasName(given));

    [Fact]
    public void NormalizeAliasName_refuses_the_reserved_aws_prefix()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.NormalizeAliasName("aws/ebs"));
        Assert.Equal("KmsSignature.ReservedAliasName", ex.ErrorId);
    }

    [Fact]
    public void An_alias_name_is_at_most_256_characters_including_the_prefix()
    {
        // CreateAlias: AliasName is 1 to 256 characters, and the "alias/" prefix counts.
        var longest = "alias/" + new string('a', 250);
        var tooLong = "alias/" + new string('a', 251);

        Assert.Equal(longest, KmsKeyIdentifier.NormalizeAliasName(longest));
        Assert.Equal(longest, KmsKeyIdentifier.NormalizeAliasName(new string('a', 250)));
        Assert.Equal(KmsKeyIdentifierKind.AliasName, KmsKeyIdentifier.Parse(longest).Kind);
        Assert.Equal(KmsKeyIdentifierKind.AliasArn, KmsKeyIdentifier.Parse("arn:aws:kms:eu-west-1:111122223333:" + longest).Kind);

        var ex = Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.NormalizeAliasName(tooLong));
        Assert.Equal("KmsSignature.InvalidAliasName", ex.ErrorId);
        Assert.Contains("256", ex.Message);
        Assert.Equal("KmsSignature.InvalidAliasName",
            Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.NormalizeAliasName(new string('a', 251))).ErrorId);
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.Parse(tooLong)).ErrorId);
        Assert.Equal("KmsSignature.InvalidKeyIdentifier",
            Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.Parse("arn:aws:kms:eu-west-1:111122223333:" + tooLong)).ErrorId);
    }

    [Fact]
    public void NormalizeAliasName_refuses_bad_characters()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => KmsKeyIdentifier.NormalizeAliasName("bad*name"));
        Assert.Equal("KmsSignature.InvalidAliasName", ex.ErrorId);
    }
}

namespace KmsSignature.LocalKms.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class TestCollection : ICollectionFixture<LocalKmsFixture>
{
    public const string Name = "LocalKms";
}

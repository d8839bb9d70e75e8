using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DefaultChainConnectionTests : IDisposable
{
    private static readonly string[] Variables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];

    private readonly Dictionary<string, string?> saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);

    public void Dispose()
    {
        foreach (var (name, value) in saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    // The SDK returns the credentials it resolved first until an AWS_* credential variable changes: one client serves them
    // all that time, and changed variables get a client of their own.
    [Fact]
    public void The_default_chain_reuses_its_client_until_the_environment_names_other_credentials()
    {
        var provider = new KmsClientProvider();
        var options = new AwsConnectionOptions { Region = "us-east-1", EndpointUrl = new Uri("http://127.0.0.1:4566/") };
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "default-chain-secret");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDDEFAULTCHAIN1");

        var first = provider.Connect(options);
        var again = provider.Connect(options);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDDEFAULTCHAIN2");
        var changed = provider.Connect(options);

        Assert.Same(first.Client, again.Client);
        Assert.NotSame(first.Client, changed.Client);
        Assert.Contains("default credential chain", changed.CredentialSource);
    }
}

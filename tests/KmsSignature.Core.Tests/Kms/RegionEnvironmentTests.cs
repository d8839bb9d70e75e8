using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>Tests that set AWS_* environment variables run alone, and put every variable back.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class RegionEnvironmentTests : IDisposable
{
    private static readonly string[] Variables =
        ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"];

    private static readonly Uri Endpoint = new("http://127.0.0.1:4566/");

    private readonly Dictionary<string, string?> saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);

    public RegionEnvironmentTests()
    {
        foreach (var name in Variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

    }

    private static string RegionOf(Uri? endpoint) => new KmsClientProvider().Connect(new AwsConnectionOptions
    {
        EndpointUrl = endpoint, Credential = new AwsKeyCredential("AKID", "s"),
    }).Region;

    // A VPC endpoint with the Region in the user's config file signed for us-east-1, and KMS refused the signature.
    // (The profile is in the config file TestEnvironment wrote; "default" is read the same way when AWS_PROFILE is unset.)
    [Fact]
    public void With_an_endpoint_the_config_file_region_is_used_before_us_east_1()
    {
        Assert.Equal("us-east-1", RegionOf(Endpoint));
        Environment.SetEnvironmentVariable("AWS_PROFILE", TestEnvironment.ParisProfile);
        Assert.Equal("eu-west-3", RegionOf(Endpoint));
    }

    [Fact]
    public void AWS_REGION_then_AWS_DEFAULT_REGION_win_over_the_config_file_with_or_without_an_endpoint()
    {
        Environment.SetEnvironmentVariable("AWS_PROFILE", TestEnvironment.ParisProfile);
        foreach (var endpoint in new[] { Endpoint, null })
        {
            Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", "ap-south-1");
            Assert.Equal("ap-south-1", RegionOf(endpoint));
            Environment.SetEnvironmentVariable("AWS_REGION", "sa-east-1");
            Assert.Equal("sa-east-1", RegionOf(endpoint));
            Environment.SetEnvironmentVariable("AWS_REGION", null);
            Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", null);
        }
    }

    // A session that changes $env:AWS_REGION gets the new Region, not the first one this process saw.
    [Fact]
    public void A_changed_AWS_REGION_is_seen_by_the_next_connection()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", "ca-central-1");
        Assert.Equal("ca-central-1", RegionOf(null));
        Environment.SetEnvironmentVariable("AWS_REGION", "ap-northeast-2");
        Assert.Equal("ap-northeast-2", RegionOf(null));
    }

    // Off EC2 the SDK's instance-metadata Region lookup throws InvalidOperationException; that escaped the cmdlets as a raw
    // exception instead of the NoRegion error with its advice.
    [Fact]
    public void No_Region_anywhere_is_a_NoRegion_error_not_an_SDK_exception()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => RegionOf(null));
        Assert.Equal("KmsSignature.NoRegion", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("-Region", ex.RecommendedAction);
    }
}

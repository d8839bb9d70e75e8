using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Amazon.KeyManagementService.Model;
using System.Runtime.Loader;
using Amazon.Runtime;
using KmsSignature.Core;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class KmsClientProviderTests
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:4566/");

    [Fact]
    public void Same_options_reuse_one_client_and_other_credentials_get_another()
    {
        var provider = new KmsClientProvider();
        var a = new AwsConnectionOptions { Region = "eu-west-1", EndpointUrl = Endpoint, Credential = new AwsKeyCredential("AKIDA", "secret-a") };

        var first = provider.Connect(a);
        var again = provider.Connect(a with { Credential = new AwsKeyCredential("AKIDA", "secret-a") });
        var other = provider.Connect(a with { Credential = new AwsKeyCredential("AKIDA", "secret-b") });

        Assert.Same(first.Client, again.Client);
        Assert.NotSame(first.Client, other.Client);
        Assert.Equal("eu-west-1", first.Region);
        Assert.DoesNotContain("secret", first.Describe());
    }

    // The SDK resends a call whose pooled connection was reset even with MaxErrorRetry 0; for CreateKey that made a second key.
    [Fact]
    public void The_client_without_retries_does_not_resend_after_a_connection_reset()
    {
        var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "eu-west-1", EndpointUrl = Endpoint, Credential = new AwsKeyCredential("AKIDSTALE", "secret"),
        });

        Assert.Equal(0, connection.SignClient.Config.MaxErrorRetry);
        Assert.Equal(0, connection.SignClient.Config.MaxStaleConnectionRetries);
    }

    // Credential objects were cached under their identity hash code, which two live objects can share (CoreCLR draws it
    // from about 2^26 values): the second caller was handed a client that signed with the first caller's keys.
    [Fact]
    public async Task Two_credential_objects_with_one_identity_hash_code_get_their_own_clients()
    {
        var (first, second) = TwoCredentialsWithOneIdentityHashCode();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var options = new AwsConnectionOptions
        {
            Region = "us-east-1", EndpointUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"),
        };
        var provider = new KmsClientProvider();

        var firstConnection = provider.Connect(options with { Credential = first });
        var secondConnection = provider.Connect(options with { Credential = second });

        Assert.NotSame(firstConnection.Client, secondConnection.Client);
        Assert.Equal(first.GetCredentials().AccessKey, await AccessKeyIdSentBy(firstConnection, listener));
        Assert.Equal(second.GetCredentials().AccessKey, await AccessKeyIdSentBy(secondConnection, listener));
    }

    private static (BasicAWSCredentials First, BasicAWSCredentials Second) TwoCredentialsWithOneIdentityHashCode()
    {
        var byHashCode = new Dictionary<int, BasicAWSCredentials>();
        for (var i = 0; ; i++)
        {
            var credentials = new BasicAWSCredentials($"AKIDCOLLIDE{i}", "s");
            if (byHashCode.TryGetValue(RuntimeHelpers.GetHashCode(credentials), out var earlier))
            {
                return (earlier, credentials);
            }

            byHashCode.Add(RuntimeHelpers.GetHashCode(credentials), credentials);
        }
    }

    // The access key id in the SigV4 Authorization header of the connection's next request. SignClient has the SDK's retries
    // off, so a cancelled call leaves no retry behind in the listener's queue for the next caller.
    private static async Task<string> AccessKeyIdSentBy(KmsConnection connection, TcpListener listener)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var call = connection.SignClient.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/x" }, timeout.Token);
        using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
        var buffer = new byte[16384];
        var read = await socket.GetStream().ReadAsync(buffer, timeout.Token);
        var request = Encoding.ASCII.GetString(buffer, 0, read);
        timeout.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var start = request.IndexOf("Credential=", StringComparison.Ordinal) + "Credential=".Length;
        return request[start..request.IndexOf('/', start)];
    }

    // Past MaxClients the whole cache was emptied: the connections in use lost their clients and what their Sign pacers
    // had learned of the quota, because of one more set of credentials.
    [Fact]
    public void Past_MaxClients_only_the_least_recently_used_client_is_dropped()
    {
        var provider = new KmsClientProvider();
        AwsConnectionOptions Options(int i) => new()
        {
            Region = "us-east-1", EndpointUrl = Endpoint, Credential = new AwsKeyCredential($"AKIDBOUND{i}", "s"),
        };
        var connections = Enumerable.Range(0, KmsClientProvider.MaxClients).Select(i => provider.Connect(Options(i))).ToList();
        Assert.Same(connections[0], provider.Connect(Options(0))); // used again: connections[1] is now the least recently used

        provider.Connect(Options(KmsClientProvider.MaxClients));

        Assert.Same(connections[0], provider.Connect(Options(0)));
        Assert.Same(connections[^1], provider.Connect(Options(KmsClientProvider.MaxClients - 1)));
        Assert.NotSame(connections[1], provider.Connect(Options(1)));
    }

    [Fact]
    public void Explicit_region_wins_over_the_shell_default()
    {
        var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "ap-southeast-2", ShellDefaultRegion = "eu-west-1", EndpointUrl = Endpoint,
            Credential = new AwsKeyCredential("AKID", "s"),
        });
        Assert.Equal("ap-southeast-2", connection.Region);
    }

    [Fact]
    public void Shell_defaults_apply_when_nothing_explicit_is_given()
    {
        var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            ShellDefaultRegion = "eu-west-1", ShellDefaultCredential = new BasicAWSCredentials("AKIDSHELL", "s"), EndpointUrl = Endpoint,
        });
        Assert.Equal("eu-west-1", connection.Region);
        Assert.Contains("StoredAWSCredentials", connection.CredentialSource);
    }

    [Fact]
    public void Profile_from_a_given_credentials_file_supplies_credentials_and_region()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "[rehearsal]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s3cr3t\nregion = eu-central-1\n");
            var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileName = "rehearsal", ProfileLocation = file, EndpointUrl = Endpoint,
            });
            Assert.Equal("eu-central-1", connection.Region);
            Assert.Contains("rehearsal", connection.CredentialSource);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // AWS.Tools: -ProfileLocation without -ProfileName means that file's default profile, not "ignore the file".
    [Fact]
    public void ProfileLocation_alone_uses_the_default_profile_of_that_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = s3cr3t\nregion = eu-north-1\n");
            var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileLocation = file, EndpointUrl = Endpoint, ShellDefaultCredential = new BasicAWSCredentials("AKIDSHELL", "s"),
            });
            Assert.Equal("eu-north-1", connection.Region);
            Assert.Contains("profile 'default'", connection.CredentialSource);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:4566/")]
    [InlineData("localhost:4566")]       // [uri] reads "localhost" as the scheme
    [InlineData("127.0.0.1:4566")]       // relative
    [InlineData("kms.eu-west-1.amazonaws.com")]
    [InlineData("https://user:pass@kms.eu-west-1.amazonaws.com/")]
    [InlineData("https://kms.eu-west-1.amazonaws.com/?x=1")]
    public void EndpointUrl_must_be_an_absolute_http_or_https_url(string endpoint)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "us-east-1", EndpointUrl = new Uri(endpoint, UriKind.RelativeOrAbsolute), Credential = new AwsKeyCredential("AKID", "s"),
        }));
        Assert.Equal("KmsSignature.InvalidEndpoint", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.DoesNotContain("user:pass", ex.Message);
    }

    // KMS accepts a signature only for its own Region: a regional, FIPS or VPC endpoint names it, and signing for
    // the shell default (or us-east-1) instead fails with InvalidSignatureException.
    [Theory]
    [InlineData("https://kms.eu-west-1.amazonaws.com/", "eu-west-1")]
    [InlineData("https://kms-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1")]
    [InlineData("https://vpce-0123456789abcdef0-abcdefgh.kms.ap-southeast-2.vpce.amazonaws.com/", "ap-southeast-2")]
    [InlineData("https://kms.cn-north-1.amazonaws.com.cn/", "cn-north-1")]
    [InlineData("https://kms.eu-central-1.api.aws/", "eu-central-1")]
    public void A_regional_endpoint_signs_for_its_own_Region(string endpoint, string region)
    {
        var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            EndpointUrl = new Uri(endpoint), ShellDefaultRegion = "us-west-2", Credential = new AwsKeyCredential("AKID", "s"),
        });
        Assert.Equal(region, connection.Region);
        Assert.Equal(region, ((Amazon.Runtime.ClientConfig)connection.Client.Config).AuthenticationRegion);
    }

    [Fact]
    public void An_explicit_Region_still_wins_over_the_endpoint_host()
    {
        var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            EndpointUrl = new Uri("https://kms.eu-west-1.amazonaws.com/"), Region = "eu-west-3", Credential = new AwsKeyCredential("AKID", "s"),
        });
        Assert.Equal("eu-west-3", connection.Region);
    }

    [Fact]
    public void Unknown_profile_is_a_specific_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileName = "nope", ProfileLocation = file, EndpointUrl = Endpoint,
            }));
            Assert.Equal("KmsSignature.ProfileNotFound", ex.ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // The SDK threw InvalidDataException, which escaped the cmdlets raw, quoting the bad line: here a secret key without its '='.
    [Fact]
    public void A_malformed_credentials_file_is_an_InvalidProfileFile_error_that_does_not_quote_the_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key wJalrXUtnFEMI-not-shown\n");
            var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileName = "dev", ProfileLocation = file, EndpointUrl = Endpoint,
            }));
            Assert.Equal("KmsSignature.InvalidProfileFile", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            Assert.Equal(file, ex.Target);
            Assert.Contains("line 3", ex.Message);
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                Assert.DoesNotContain("wJalrXUtnFEMI", e.Message);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    // A credentials file that cannot be opened (here a symbolic link to itself) escaped the cmdlets as a raw IOException.
    [Fact]
    public void An_unreadable_credentials_file_is_a_ProfileFileUnreadable_error()
    {
        var file = Path.Combine(Path.GetTempPath(), "loop-" + Guid.NewGuid().ToString("N"));
        File.CreateSymbolicLink(file, file);
        try
        {
            var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileName = "dev", ProfileLocation = file, EndpointUrl = Endpoint,
            }));
            Assert.Equal("KmsSignature.ProfileFileUnreadable", ex.ErrorId);
            Assert.Equal(ErrorKind.ReadError, ex.Kind);
            Assert.Equal(file, ex.Target);
            Assert.IsAssignableFrom<IOException>(ex.InnerException);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // A PSCredential cannot carry a session token: temporary (ASIA) keys went to KMS without one and came back as
    // UnrecognizedClientException ("The security token included in the request is invalid"), which explained nothing.
    [Fact]
    public void A_temporary_access_key_without_its_session_token_is_refused_before_any_call()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "us-east-1", EndpointUrl = Endpoint, Credential = new AwsKeyCredential("ASIAEXAMPLETEMPORARY", "temporary-secret"),
        }));
        Assert.Equal("KmsSignature.SessionTokenRequired", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("ASIAEXAMPLETEMPORARY", ex.Target);
        Assert.DoesNotContain("temporary-secret", ex.Message);
        Assert.Contains("SessionToken", ex.RecommendedAction);

        // With its token, or as a long-term AKIA key, it connects.
        Assert.NotNull(new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "us-east-1", EndpointUrl = Endpoint, Credential = new AwsKeyCredential("ASIAEXAMPLETEMPORARY", "temporary-secret", "token"),
        }));
    }

    // A profile that exists but yields no credentials was reported as "No AWS profile named 'x' was found".
    [Theory]
    [InlineData("[regiononly]\nregion = eu-west-3\n")]
    [InlineData("[regiononly]\naws_access_key_id = AKIDNOSECRET\n")]
    public void A_profile_without_credentials_is_not_reported_as_missing(string content)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, content);
            var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                ProfileName = "regiononly", ProfileLocation = file, EndpointUrl = Endpoint,
            }));
            Assert.Equal("KmsSignature.ProfileHasNoCredentials", ex.ErrorId);
            Assert.Equal(ErrorKind.AuthenticationError, ex.Kind);
            Assert.Equal("regiononly", ex.Target);
            Assert.DoesNotContain("was found", ex.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // A PSCredential with an empty password was InvalidCredential with no target and a message that did not say which part was missing.
    [Fact]
    public void A_credential_with_an_empty_secret_names_its_access_key_id()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new AwsKeyCredential(" AKIDNOSECRET ", string.Empty));
        Assert.Equal("KmsSignature.InvalidCredential", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("AKIDNOSECRET", ex.Target);
        Assert.Contains("empty password", ex.Message);

        var noId = Assert.Throws<KmsSignatureException>(() => new AwsKeyCredential(" ", "secret-value"));
        Assert.Equal("KmsSignature.InvalidCredential", noId.ErrorId);
        Assert.Contains("access key id is empty", noId.Message);
        Assert.DoesNotContain("secret-value", noId.Message);
    }

    [Fact]
    public void Malformed_region_is_rejected_before_any_call()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "Frankfurt", EndpointUrl = Endpoint, Credential = new AwsKeyCredential("AKID", "s"),
        }));
        Assert.Equal("KmsSignature.InvalidRegion", ex.ErrorId);
    }

    // -Region ' ' was skipped as if not given: another Region (AWS_REGION, the endpoint's us-east-1) was used silently, or
    // with none configured the error was NoRegion with no target, while -ProfileName ' ' is an error naming ' '.
    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    public void A_blank_Region_is_an_InvalidRegion_error_naming_it(string region)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = region, EndpointUrl = Endpoint, Credential = new AwsKeyCredential("AKID", "s"),
        }));
        Assert.Equal("KmsSignature.InvalidRegion", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(region, ex.Target);
    }

    [Fact]
    public void Unsupported_credential_objects_are_named_in_the_error()
    {
        var ex = Assert.Throws<KmsSignatureException>(() => new KmsClientProvider().Connect(new AwsConnectionOptions
        {
            Region = "us-east-1", EndpointUrl = Endpoint, Credential = 42,
        }));
        Assert.Equal("KmsSignature.UnsupportedCredential", ex.ErrorId);
        Assert.Contains("System.Int32", ex.Message);
    }

    /// <summary>
    /// AWS.Tools loads its own AWSSDK.Core: its BasicAWSCredentials is another type to ours. Load a second copy
    /// of AWSSDK.Core into its own load context, as AWS.Tools does, and hand its credentials object over.
    /// </summary>
    [Fact]
    public async Task Credentials_from_another_AWSSDK_Core_copy_are_bridged_not_rejected()
    {
        var context = new AssemblyLoadContext("foreign-aws-tools", isCollectible: true);
        try
        {
            var foreignCore = context.LoadFromAssemblyPath(typeof(AWSCredentials).Assembly.Location);
            var foreignType = foreignCore.GetType("Amazon.Runtime.SessionAWSCredentials", throwOnError: true)!;
            Assert.NotSame(typeof(SessionAWSCredentials), foreignType);
            var foreign = Activator.CreateInstance(foreignType, "AKIDFOREIGN", "foreign-secret", "foreign-token")!;

            // The request the client signs carries what the bridge read from the foreign object.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
            var connection = new KmsClientProvider().Connect(new AwsConnectionOptions
            {
                Region = "us-east-1", EndpointUrl = endpoint, Credential = foreign,
            });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var call = connection.Client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/x" }, timeout.Token);
            using (var socket = await listener.AcceptTcpClientAsync())
            {
                var buffer = new byte[16384];
                var read = await socket.GetStream().ReadAsync(buffer);
                var request = Encoding.ASCII.GetString(buffer, 0, read);
                Assert.Contains("Credential=AKIDFOREIGN/", request);
                Assert.Contains("foreign-token", request);
                Assert.DoesNotContain("foreign-secret", request);
            }

            // Nothing will ever answer; stop the SDK's retries rather than wait out its backoff.
            timeout.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }
        finally
        {
            context.Unload();
        }
    }
}

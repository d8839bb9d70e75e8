using System.Management.Automation;
using System.Net;
using KmsSignature.LocalKms;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// One LocalKms for a test class (use with <c>IClassFixture&lt;LocalKmsFixture&gt;</c>), reached by the module's
/// cmdlets through the real AWS SDK client, exactly as a user would reach KMS with -EndpointUrl.
/// Sessions get splattable connection hashtables: <c>$kmsAdmin</c>, <c>$kmsSigner</c>, <c>$kmsVerifier</c>
/// (EndpointUrl, Region, Credential), e.g. <c>New-KmsSigningKey -Alias app @kmsAdmin</c>.
/// </summary>
public sealed class LocalKmsFixture : IAsyncLifetime
{
    private readonly LocalKmsOptions? options;
    private LocalKmsServer? server;

    public LocalKmsFixture()
    {
    }

    // Not public: xunit builds class fixtures through their one public constructor.
    private LocalKmsFixture(LocalKmsOptions options) => this.options = options;

    /// <summary>A LocalKms started with these options (another Region, say) instead of the defaults; not a class fixture.</summary>
    public static LocalKmsFixture With(LocalKmsOptions options) => new(options);

    public LocalKmsServer Kms => server ?? throw new InvalidOperationException("LocalKms has not started.");

    public async Task InitializeAsync() => server = await LocalKmsServer.StartAsync(options);

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>A new PowerShell session with the module imported and the connection variables set.</summary>
    public PowerShellSession NewSession(System.Management.Automation.Host.PSHost? host = null)
    {
        var session = new PowerShellSession(host: host);
        session.Run("$null", new Dictionary<string, object?>
        {
            ["kmsAdmin"] = Connection(Kms.Admin),
            ["kmsSigner"] = Connection(Kms.Signer),
            ["kmsVerifier"] = Connection(Kms.Verifier),
            ["kmsEndpoint"] = Kms.Endpoint,
            ["kmsRegion"] = Kms.Region,
            ["kmsAccount"] = Kms.AccountId,
            ["signerArn"] = Kms.Signer.Arn,
            ["verifierArn"] = Kms.Verifier.Arn,
            ["adminArn"] = Kms.Admin.Arn,
        }).AssertSuccess();
        return session;
    }

    /// <summary>
    /// A real pwsh's view of this LocalKms (see <see cref="Pwsh"/>): <paramref name="principal"/>'s keys and the Region in
    /// the AWS variables the SDK reads, and the endpoint in TEST_ENDPOINT for -EndpointUrl.
    /// </summary>
    public Dictionary<string, string> PwshEnvironment(LocalKmsPrincipal principal) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = principal.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = principal.SecretAccessKey,
        ["AWS_REGION"] = Kms.Region,
        ["TEST_ENDPOINT"] = Kms.Endpoint.ToString(),
    };

    public System.Collections.Hashtable Connection(LocalKmsPrincipal principal) => new()
    {
        ["EndpointUrl"] = Kms.Endpoint,
        ["Region"] = Kms.Region,
        ["Credential"] = Credential(principal),
    };

    public static PSCredential Credential(LocalKmsPrincipal principal) =>
        new(principal.AccessKeyId, new NetworkCredential(string.Empty, principal.SecretAccessKey).SecurePassword);

    /// <summary>
    /// A LocalKms of its own with the default principals and one more, <c>role/{roleName}</c>, whose IAM policy allows only
    /// <paramref name="actions"/> (a least-privilege caller); its connection hashtable for splatting is returned beside it.
    /// </summary>
    public static async Task<(LocalKmsServer Kms, LocalKmsPrincipal Principal, System.Collections.Hashtable Connection)> StartWithLeastPrivilegeAsync(
        string roleName, params string[] actions)
    {
        var suffix = roleName.ToUpperInvariant().PadRight(8, '0')[..8];
        var principal = new LocalKmsPrincipal($"AKIALOCALKMS{suffix}", $"LocalKms{roleName}SecretForTestingOnly".PadRight(40, '0')[..40],
            $"arn:aws:iam::111122223333:role/{roleName}",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[{{string.Join(",", actions.Select(a => $"\"{a}\""))}}],"Resource":"*"}]}""");
        var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [.. LocalKmsPrincipal.Defaults("111122223333"), principal] });
        return (kms, principal, new System.Collections.Hashtable { ["EndpointUrl"] = kms.Endpoint, ["Region"] = kms.Region, ["Credential"] = Credential(principal) });
    }
}

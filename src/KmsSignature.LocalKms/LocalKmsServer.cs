using System.Net;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Operations;
using KmsSignature.LocalKms.Persistence;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmsSignature.LocalKms;

/// <summary>
/// A local AWS KMS speaking the real JSON 1.1 wire protocol on 127.0.0.1, for tests, demos and runbook
/// rehearsal. Point the AWS SDK at <see cref="Endpoint"/> (ServiceURL + AuthenticationRegion = <see cref="Region"/>)
/// with the credentials of a configured principal. Private keys are held (and, with a data directory,
/// stored) in the clear: testing only.
/// </summary>
public sealed class LocalKmsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalKmsServer(WebApplication app, KmsHttpHandler handler, Uri endpoint, LocalKmsOptions options, IReadOnlyList<LocalKmsPrincipal> principals, LocalKmsFaults faults, LocalKmsCounters counters)
    {
        _app = app;
        Handler = handler;
        Endpoint = endpoint;
        Region = options.Region;
        AccountId = options.AccountId;
        Principals = principals;
        Faults = faults;
        Counters = counters;
        Admin = principals[0];
        Signer = principals.Count > 1 ? principals[1] : principals[0];
        Verifier = principals.Count > 2 ? principals[2] : Signer;
    }

    /// <summary>The request pipeline without Kestrel, for in-process measurements.</summary>
    internal KmsHttpHandler Handler { get; }

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri Endpoint { get; }

    public string Region { get; }

    public string AccountId { get; }

    /// <summary>All recognised callers.</summary>
    public IReadOnlyList<LocalKmsPrincipal> Principals { get; }

    /// <summary>The first principal; by default role KmsAdmin with an identity policy allowing kms:* on *.</summary>
    public LocalKmsPrincipal Admin { get; }

    /// <summary>The second principal; by default role KmsSigner with no identity policy (key policies decide).</summary>
    public LocalKmsPrincipal Signer { get; }

    /// <summary>The third principal; by default role KmsVerifier with no identity policy (key policies decide).</summary>
    public LocalKmsPrincipal Verifier { get; }

    public LocalKmsFaults Faults { get; }

    public LocalKmsCounters Counters { get; }

    public static async Task<LocalKmsServer> StartAsync(LocalKmsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalKmsOptions();
        if (options.AccountId.Length != 12 || !options.AccountId.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("AccountId must be 12 digits.", nameof(options));
        }

        var principals = options.Principals ?? LocalKmsPrincipal.Defaults(options.AccountId);
        if (principals.Count == 0)
        {
            throw new ArgumentException("At least one principal is required.", nameof(options));
        }

        var callers = new Dictionary<string, CallerIdentity>(StringComparer.Ordinal);
        foreach (var principal in principals)
        {
            PolicyDocument? identityPolicy = null;
            if (principal.IdentityPolicyJson is not null)
            {
                try
                {
                    identityPolicy = PolicyDocument.Parse(principal.IdentityPolicyJson, isKeyPolicy: false);
                }
                catch (KmsErrorException ex)
                {
                    throw new ArgumentException($"Identity policy of {principal.Arn} is invalid: {ex.Message}", nameof(options));
                }
            }

            if (!callers.TryAdd(principal.AccessKeyId, new CallerIdentity(principal, identityPolicy)))
            {
                throw new ArgumentException($"Access key id {principal.AccessKeyId} is configured twice.", nameof(options));
            }
        }

        var store = new KeyStore(options.Region, options.AccountId, options.DataDirectory is null ? null : new StateFile(options.DataDirectory), options.TimeProvider);
        var faults = new LocalKmsFaults();
        var counters = new LocalKmsCounters();
        var handler = new KmsHttpHandler(new KmsOperations(store), new SigV4Authenticator(callers, options.Region), faults, counters);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MaxRequestBodySize = KmsHttpHandler.MaxBodyBytes * 4L;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        return new LocalKmsServer(app, handler, new Uri($"http://127.0.0.1:{port}/"), options, principals, faults, counters);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

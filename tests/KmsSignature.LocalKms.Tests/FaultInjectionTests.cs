using System.Diagnostics;
using System.Net;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>Faults and counters, on a private LocalKms so injected faults never reach other tests.</summary>
public sealed class FaultInjectionTests : IAsyncLifetime
{
    private LocalKmsServer _kms = null!;
    private IAmazonKeyManagementService _admin = null!;
    private string _keyId = null!;

    public async Task InitializeAsync()
    {
        _kms = await LocalKmsServer.StartAsync();
        _admin = KmsClients.Create(_kms, _kms.Admin);
        _keyId = (await _admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata.KeyId;
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _kms.DisposeAsync();
    }

    private Task<SignResponse> SignAsync(IAmazonKeyManagementService? client = null) =>
        (client ?? _admin).SignAsync(new SignRequest { KeyId = _keyId, Message = new MemoryStream([1]), SigningAlgorithm = "ECDSA_SHA_256" });

    [Fact]
    public async Task A_token_bucket_throttles_beyond_the_rate_with_ThrottlingException()
    {
        _kms.Faults.For("Sign").RequestsPerSecond = 5;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            try
            {
                await SignAsync();
                return "ok";
            }
            catch (AmazonKeyManagementServiceException ex)
            {
                return ex.ErrorCode;
            }
        }));
        Assert.InRange(outcomes.Count(static o => o == "ok"), 5, 25); // 5 from the full bucket, a few more from refill while the burst runs
        Assert.Contains("ThrottlingException", outcomes);
        Assert.All(outcomes, static o => Assert.True(o is "ok" or "ThrottlingException", o));

        // Other operations are not throttled, and Reset lifts the quota.
        await _admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId });
        _kms.Faults.Reset();
        for (var i = 0; i < 20; i++)
        {
            await SignAsync();
        }
    }

    [Fact]
    public async Task The_SDK_retries_throttled_calls_and_succeeds()
    {
        _kms.Faults.For("Sign").RequestsPerSecond = 20;
        using var retrying = KmsClients.Create(_kms, _kms.Admin, maxErrorRetry: 10);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SignAsync(retrying)));
        Assert.True(_kms.Counters.Count("Sign") > 40, "throttled attempts were retried");
    }

    [Theory]
    [InlineData(500, "KMSInternalException")]
    [InlineData(503, "ServiceUnavailableException")]
    public async Task Injected_errors_are_5xx(int status, string errorType)
    {
        _kms.Faults.For("Sign").ErrorProbability = 1;
        _kms.Faults.For("Sign").ErrorStatusCode = status;
        var ex = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => SignAsync());
        Assert.Equal(errorType, ex.ErrorCode);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        await _admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId });
    }

    [Fact]
    public async Task Dropped_connections_fail_the_call_without_a_response()
    {
        _kms.Faults.All.DropConnectionProbability = 1;
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => _admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId }));
        Assert.IsNotType<AmazonKeyManagementServiceException>(ex);
        _kms.Faults.Reset();
        await _admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _keyId });
    }

    [Fact]
    public async Task Latency_and_jitter_delay_responses()
    {
        _kms.Faults.For("Sign").Latency = TimeSpan.FromMilliseconds(150);
        _kms.Faults.For("Sign").Jitter = TimeSpan.FromMilliseconds(50);
        var watch = Stopwatch.StartNew();
        await SignAsync();
        Assert.True(watch.ElapsedMilliseconds >= 145, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task UseKmsQuotas_throttles_CreateKey_at_5_per_second()
    {
        _kms.Faults.UseKmsQuotas();
        Assert.Equal(1000, _kms.Faults.For("Sign").RequestsPerSecond);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            try
            {
                await _admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY });
                return "ok";
            }
            catch (AmazonKeyManagementServiceException ex)
            {
                return ex.ErrorCode;
            }
        }));
        Assert.Contains("ThrottlingException", outcomes);
        Assert.Contains("ok", outcomes);
    }

    [Fact]
    public void Invalid_fault_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _kms.Faults.All.RequestsPerSecond = 0);
        Assert.Throws<ArgumentException>(() => _kms.Faults.For(string.Empty));
    }

    [Fact]
    public async Task Counters_count_per_operation_and_per_caller_including_failures()
    {
        _kms.Counters.Reset();
        await SignAsync();
        await SignAsync();
        using var signer = KmsClients.Create(_kms, _kms.Signer);
        await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => SignAsync(signer));
        await _admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = _keyId });

        Assert.Equal(3, _kms.Counters.Count("Sign"));
        Assert.Equal(2, _kms.Counters.Count("Sign", _kms.Admin.Arn));
        Assert.Equal(1, _kms.Counters.Count("Sign", _kms.Signer.Arn));
        Assert.Equal(1, _kms.Counters.Count("GetPublicKey"));
        Assert.Equal(0, _kms.Counters.Count("Verify"));
        Assert.Equal(4, _kms.Counters.Total);
        Assert.Equal(3, _kms.Counters.Snapshot()["Sign"]);

        _kms.Counters.Reset();
        Assert.Equal(0, _kms.Counters.Total);
        Assert.Equal(0, _kms.Counters.Count("Sign"));
    }

    [Fact]
    public void Default_principals_have_fixed_documented_credentials()
    {
        Assert.Equal("AKIALOCALKMSADMIN001", _kms.Admin.AccessKeyId);
        Assert.Equal("AKIALOCALKMSSIGNER01", _kms.Signer.AccessKeyId);
        Assert.Equal("AKIALOCALKMSVERIFY01", _kms.Verifier.AccessKeyId);
        Assert.Equal("arn:aws:iam::111122223333:role/KmsAdmin", _kms.Admin.Arn);
        Assert.Equal("arn:aws:iam::111122223333:role/KmsSigner", _kms.Signer.Arn);
        Assert.Equal("arn:aws:iam::111122223333:role/KmsVerifier", _kms.Verifier.Arn);
        Assert.DoesNotContain(_kms.Admin.SecretAccessKey, _kms.Admin.ToString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", _kms.Endpoint.Host);
        Assert.NotEqual(0, _kms.Endpoint.Port);
    }

    [Fact]
    public void Fault_settings_refuse_values_outside_their_documented_ranges_and_keep_the_old_value()
    {
        var settings = new LocalKmsFaultSettings { ErrorProbability = 0.25, DropConnectionProbability = 0.5, ErrorStatusCode = 503, Latency = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(1), RequestsPerSecond = 10 };

        Assert.Throws<ArgumentOutOfRangeException>(() => settings.ErrorProbability = 50);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.ErrorProbability = -0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.ErrorProbability = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.DropConnectionProbability = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.DropConnectionProbability = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.ErrorStatusCode = 502);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.ErrorStatusCode = 400);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.Latency = TimeSpan.FromMilliseconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.Jitter = TimeSpan.FromMilliseconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.RequestsPerSecond = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.RequestsPerSecond = double.PositiveInfinity);

        Assert.Equal((0.25, 0.5, 503, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(1), (double?)10),
            (settings.ErrorProbability, settings.DropConnectionProbability, settings.ErrorStatusCode, settings.Latency, settings.Jitter, settings.RequestsPerSecond));

        settings.ErrorProbability = 1;
        settings.DropConnectionProbability = 0;
        settings.ErrorStatusCode = 500;
        settings.Reset();
        Assert.Equal(0, settings.ErrorProbability);
    }
}

using System.Diagnostics;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KmsSignature.LocalKms.Tests;

/// <summary>LocalKms's own Sign rate through the real SDK client, no injected latency (issue 4/7: it must not be the bottleneck).</summary>
public sealed class SignThroughputMeasurement(ITestOutputHelper output)
{
    /// <summary>The LocalKms request pipeline (SigV4 check, JSON, policy evaluation, signing, response) on one thread, without Kestrel.</summary>
    private static async Task<double> PipelineRateAsync(LocalKmsServer kms, RawKmsClient raw, string body)
    {
        using var template = raw.CreateRequest("TrentService.Sign", body);
        var bodyBytes = System.Text.Encoding.UTF8.GetBytes(body);
        Microsoft.AspNetCore.Http.DefaultHttpContext NewContext()
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.Path = "/";
            context.Request.Host = new Microsoft.AspNetCore.Http.HostString(kms.Endpoint.Host, kms.Endpoint.Port);
            foreach (var header in template.Headers.Concat(template.Content!.Headers))
            {
                context.Request.Headers[header.Key] = string.Join(',', header.Value);
            }

            context.Request.ContentLength = bodyBytes.Length;
            context.Request.Body = new MemoryStream(bodyBytes);
            context.Response.Body = Stream.Null;
            return context;
        }

        for (var i = 0; i < 300; i++)
        {
            await kms.Handler.HandleAsync(NewContext());
        }

        var check = NewContext();
        await kms.Handler.HandleAsync(check);
        Assert.Equal(200, check.Response.StatusCode);
        var n = Environment.GetEnvironmentVariable("LOCALKMS_MEASURE_PIPELINE_ONLY") == "1" ? 20000 : 2000;
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        for (var i = 0; i < n; i++)
        {
            await kms.Handler.HandleAsync(NewContext());
        }

        process.Refresh();
        return 1_000_000 / ((process.TotalProcessorTime - cpu).TotalMicroseconds / n);
    }

    [MeasurementFact]
    public async Task Sign_rate_with_no_injected_latency()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = KmsClients.Create(kms, kms.Admin);
        foreach (var (spec, algorithm) in new[] { ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"), ("ECC_NIST_P256", "ECDSA_SHA_256"), ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"), ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"), ("ML_DSA_65", "ML_DSA_SHAKE_256"), ("ECC_NIST_P256", "ECDSA_SHA_256"), ("ECC_NIST_P256", "ECDSA_SHA_256") })
        {
            var keyId = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = "SIGN_VERIFY" })).KeyMetadata.KeyId;
            var message = new byte[200];
            async Task Worker(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    await client.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream(message), SigningAlgorithm = algorithm });
                }
            }

            using var raw = new RawKmsClient(kms);
            var body = $$"""{"KeyId":"{{keyId}}","Message":"{{Convert.ToBase64String(message)}}","SigningAlgorithm":"{{algorithm}}"}""";
            async Task RawWorker(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var response = await raw.SendAsync("TrentService.Sign", body);
                    Assert.Equal(200, response.Status);
                }
            }

            if (Environment.GetEnvironmentVariable("LOCALKMS_MEASURE_PIPELINE_ONLY") == "1")
            {
                output.WriteLine($"{spec}: pipeline {await PipelineRateAsync(kms, raw, body):F0} Sign/s per CPU second");
                continue;
            }

            // Warm up (JIT tiering, connection pools, key instance pools) before timing.
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Worker(100)));
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => RawWorker(100)));
            const int concurrency = 32, perWorker = 200;
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker(perWorker)));
            var rate = concurrency * perWorker / watch.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuPerCall = (process.TotalProcessorTime - cpu).TotalMicroseconds / (concurrency * perWorker);
            cpu = process.TotalProcessorTime;
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => RawWorker(perWorker)));
            var rawRate = concurrency * perWorker / watch.Elapsed.TotalSeconds;
            process.Refresh();
            var rawCpuPerCall = (process.TotalProcessorTime - cpu).TotalMicroseconds / (concurrency * perWorker);
            output.WriteLine(
                $"{spec} {algorithm}: SDK client {rate:F0} Sign/s ({cpuPerCall:F0} µs CPU per call, client+server); "
                + $"bare SigV4 HttpClient {rawRate:F0} Sign/s ({rawCpuPerCall:F0} µs CPU per call); {concurrency} concurrent calls, {Environment.ProcessorCount} cores; "
                + $"server pipeline without sockets: {await PipelineRateAsync(kms, raw, body):F0} Sign/s per CPU second");
        }
    }
}

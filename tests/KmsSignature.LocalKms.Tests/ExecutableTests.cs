using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

/// <summary>The standalone executable: prints endpoint and credentials, serves, persists, stops on SIGINT.</summary>
public sealed partial class ExecutableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("localkms-exe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"LocalKms listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex EndpointLine();

    [Fact]
    public async Task The_executable_prints_its_endpoint_and_keys_serves_persists_and_stops_on_SIGINT()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "KmsSignature.LocalKms.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { dll, "--port", "0", "--data-dir", _dir, "--region", "eu-central-1" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        try
        {
            var banner = new List<string>();
            string? endpoint = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (endpoint is null || !banner.Any(static l => l.Contains("Ctrl+C", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < deadline, "no banner within 60 s: " + string.Join('\n', banner));
                var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("exited: " + await process.StandardError.ReadToEndAsync());
                banner.Add(line);
                endpoint ??= EndpointLine().Match(line) is { Success: true } match ? match.Groups[1].Value : null;
            }

            var text = string.Join('\n', banner);
            Assert.Contains("IN THE CLEAR", text, StringComparison.Ordinal);
            Assert.Contains($"AccessKeyId={LocalKmsPrincipal.DefaultAdminAccessKeyId} SecretAccessKey={LocalKmsPrincipal.DefaultAdminSecretAccessKey}", text, StringComparison.Ordinal);
            Assert.Contains(LocalKmsPrincipal.DefaultVerifierAccessKeyId, text, StringComparison.Ordinal);

            using var client = KmsClients.Create(new Uri(endpoint), "eu-central-1",
                new BasicAWSCredentials(LocalKmsPrincipal.DefaultAdminAccessKeyId, LocalKmsPrincipal.DefaultAdminSecretAccessKey));
            var key = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata;
            Assert.StartsWith("arn:aws:kms:eu-central-1:111122223333:key/", key.Arn, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_dir, "localkms-state.json")));

            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exited.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("LocalKms stopped.", await process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Unknown_arguments_exit_with_2()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KmsSignature.LocalKms.dll"));
        info.ArgumentList.Add("--bogus");
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
    }
}

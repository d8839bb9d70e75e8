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
        var info = StoppableBySigInt(Path.Combine(AppContext.BaseDirectory, "KmsSignature.LocalKms.dll"), "--port", "0", "--data-dir", _dir, "--region", "eu-central-1");

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

    // The server's host took SIGINT from the moment it started, before the program's own handler was registered (after
    // the banner): a Ctrl+C while the banner was printed stopped the server and left the program waiting forever.
    // Signalled as soon as the first banner line appears, the old program hung in about 3 of 10 starts.
    [Fact]
    public async Task SIGINT_as_soon_as_the_endpoint_is_printed_stops_the_executable()
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            using var process = Process.Start(StoppableBySigInt(Path.Combine(AppContext.BaseDirectory, "KmsSignature.LocalKms.dll"), "--port", "0"))!;
            try
            {
                var first = await process.StandardOutput.ReadLineAsync();
                Assert.Contains("LocalKms listening on", first, StringComparison.Ordinal);
                Assert.Equal(0, SendSignal(process.Id, SigInt)); // at once: starting `kill` would take longer than the banner

                var rest = process.StandardOutput.ReadToEndAsync();
                using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(exited.Token);
                Assert.Equal(0, process.ExitCode);
                Assert.Contains("LocalKms stopped.", await rest, StringComparison.Ordinal);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
        }
    }

    private const int SigInt = 2;

    // The executable, started so that SIGINT can stop it. A test run started with '&' by a non-interactive shell ignores
    // SIGINT, children inherit that, and .NET keeps an inherited ignore: the executable could not be stopped and the tests
    // timed out. GNU env's --default-signal restores the default for the child (where /proc tells it is ignored: Linux).
    private static ProcessStartInfo StoppableBySigInt(params string[] arguments)
    {
        var ignored = File.Exists("/proc/self/status") && File.ReadLines("/proc/self/status")
            .FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
            && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
        var info = new ProcessStartInfo(ignored ? "env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (ignored ? new[] { "--default-signal=INT", "dotnet" } : []).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

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

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KmsSignature.LocalKms.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(exited.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return (process.ExitCode, await output, await error);
    }

    [Theory]
    [InlineData("--port needs a value", "--port")]
    [InlineData("--data-dir needs a value", "--data-dir")]
    [InlineData("--region needs a value", "--port", "0", "--region")]
    [InlineData("--account-id needs a value", "--account-id")]
    [InlineData("--account-id needs 12 digits, not '12'", "--port", "0", "--account-id", "12")]
    [InlineData("--region needs a Region name", "--port", "0", "--region", "")]
    [InlineData("--data-dir needs a directory path", "--port", "0", "--data-dir", "")]
    public async Task A_missing_or_bad_option_value_exits_with_2_and_one_line(string message, params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(arguments);
        Assert.Equal(2, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_exits_with_1_and_says_so()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exitCode, _, error) = await RunAsync("--port", port);

        Assert.Equal(1, exitCode);
        Assert.Contains($"LocalKms could not start: Failed to bind to address http://127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("another --port", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_dir_that_is_a_file_or_holds_a_corrupt_state_file_exits_with_1_and_names_it()
    {
        var file = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var (exitCode, _, error) = await RunAsync("--port", "0", "--data-dir", file);
        Assert.Equal(1, exitCode);
        Assert.Contains($"LocalKms could not start: The file '{file}' already exists.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);

        var stateDir = Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stateDir, "localkms-state.json"), """{"version":1,"keys":[""");
        (exitCode, _, error) = await RunAsync("--port", "0", "--data-dir", stateDir);
        Assert.Equal(1, exitCode);
        Assert.Contains($"LocalKms could not start: {Path.Combine(stateDir, "localkms-state.json")} is not valid JSON", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error, StringComparison.Ordinal);
    }
}

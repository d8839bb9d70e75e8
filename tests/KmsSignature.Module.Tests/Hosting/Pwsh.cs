using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// A real pwsh, as a user starts it: the PowerShell global tool's files and Pester, which restore downloads into the
/// NuGet folder (PackageDownload in this project). Unlike the hosted engine, it has every built-in module, so scripts
/// run here as written. Each run is a child process with the environment given and no AWS settings inherited.
/// </summary>
internal static class Pwsh
{
    private static readonly Assembly Tests = typeof(Pwsh).Assembly;

    public static string PackageRoot => Metadata("NuGetPackageRoot");

    /// <summary>pwsh.dll of the global tool package, run with the dotnet host that runs the tests.</summary>
    public static string Dll => Path.Combine(PackageRoot, "powershell", Metadata("PwshVersion"), "tools", "net10.0", "any",
        OperatingSystem.IsWindows() ? "win" : "unix", "pwsh.dll");

    public static string PesterManifest => Path.Combine(PackageRoot, "pester", Metadata("PesterVersion"), "tools", "Pester.psd1");

    public static string PesterVersion => Metadata("PesterVersion");

    /// <summary>Runs <paramref name="script"/> (a file's text) in a new pwsh in the repository root.</summary>
    public static PwshRun Run(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kmssig-pwsh-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        try
        {
            var start = new ProcessStartInfo(DotnetHost)
            {
                WorkingDirectory = RepoPaths.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "exec", Dll, "-NoProfile", "-NonInteractive", "-File", file })
            {
                start.ArgumentList.Add(argument);
            }

            // A developer's own AWS settings (variables, and ~/.aws's default profile, endpoint_url or retries) must not reach
            // the child, which talks to LocalKms only; nor their module path, which could put another Pester first.
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("KMSSIGNATURE_", StringComparison.OrdinalIgnoreCase)
                || k.Equals("PSModulePath", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(name);
            }

            var noFile = Path.Combine(Path.GetTempPath(), $"kmssig-no-aws-{Guid.NewGuid():N}");
            start.Environment["AWS_CONFIG_FILE"] = noFile;
            start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = noFile;
            start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
            start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
            start.Environment["NO_COLOR"] = "1"; // plain error and Pester text in a failed test's message
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"pwsh did not finish within {timeout.TotalSeconds:0} s:\n{output.Result}\n{error.Result}");
            }

            return new PwshRun(process.ExitCode, output.Result, error.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // dotnet test and dotnet build set DOTNET_HOST_PATH for the processes they start; a test runner started otherwise
    // finds dotnet on PATH.
    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : "dotnet";

    private static string Metadata(string key) =>
        Tests.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no {key}.");
}

internal sealed record PwshRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

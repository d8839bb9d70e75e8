using System.Diagnostics;
using System.Text.Json;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>Runs the independent verifiers (openssl, node + tests/interop) that share no code with KmsSignature.</summary>
internal static class Interop
{
    private static readonly object NpmGate = new();

    public static string InteropDirectory => Path.Combine(RepoPaths.Root, "tests", "interop");

    /// <summary>Runs a tool; returns exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string fileName, params string[] arguments) => RunIn(null, fileName, arguments);

    public static (int ExitCode, string Output) RunIn(string? directory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (directory is not null)
        {
            start.WorkingDirectory = directory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>CI runs only 'dotnet test': install the pinned npm packages once when they are missing.</summary>
    public static void EnsureNodeModules()
    {
        lock (NpmGate)
        {
            if (Directory.Exists(Path.Combine(InteropDirectory, "node_modules", "jose"))
                && Directory.Exists(Path.Combine(InteropDirectory, "node_modules", "@noble", "post-quantum")))
            {
                return;
            }

            var (code, output) = RunIn(InteropDirectory, "npm", "ci", "--no-audit", "--no-fund");
            Assert.True(code == 0, "npm ci in tests/interop failed:\n" + output);
        }
    }

    /// <summary>Verifies tokens with node crypto, @noble/post-quantum and jose; asserts every check passed.</summary>
    public static IReadOnlyList<JsonElement> VerifyJwtsWithNode(IReadOnlyDictionary<string, string> pemByKid, IEnumerable<string> tokens, string? jwks = null)
    {
        EnsureNodeModules();
        var input = Path.Combine(Path.GetTempPath(), $"kmssig-interop-{Guid.NewGuid():N}.json");
        try
        {
            var document = new Dictionary<string, object?> { ["keys"] = pemByKid, ["tokens"] = tokens.ToArray() };
            if (jwks is not null)
            {
                document["jwks"] = JsonDocument.Parse(jwks).RootElement;
            }

            File.WriteAllText(input, JsonSerializer.Serialize(document));
            var (code, output) = RunIn(InteropDirectory, "node", "verify-jwts.mjs", input);
            Assert.True(code == 0, "node rejected a token:\n" + output);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>openssl's verdict on a detached signature (true = "Verified OK").</summary>
    public static bool OpensslVerifies(string keySpec, string algorithm, string pemPath, string file, string signatureFile)
    {
        string[] arguments;
        if (keySpec == "ECC_NIST_EDWARDS25519")
        {
            arguments = ["pkeyutl", "-verify", "-pubin", "-inkey", pemPath, "-rawin", "-in", file, "-sigfile", signatureFile];
        }
        else
        {
            var hash = "-" + algorithm[^3..] switch { "256" => "sha256", "384" => "sha384", _ => "sha512" };
            var list = new List<string> { "dgst", hash, "-verify", pemPath, "-signature", signatureFile };
            if (algorithm.StartsWith("RSASSA_PSS", StringComparison.Ordinal))
            {
                list.AddRange(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]);
            }

            list.Add(file);
            arguments = [.. list];
        }

        var (code, output) = Run("openssl", arguments);
        return code == 0 && output.Contains("Verified", StringComparison.Ordinal) || (code == 0 && keySpec == "ECC_NIST_EDWARDS25519" && output.Contains("Success"));
    }
}

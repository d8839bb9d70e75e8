using System.Runtime.CompilerServices;

namespace KmsSignature.Core.Tests;

internal static class TestEnvironment
{
    // Tests never use real AWS: keep the SDK's default chain from probing EC2 instance metadata
    // (169.254.169.254), which is not on this machine and must never be contacted from a test run.
#pragma warning disable CA2255 // a test assembly initializer is exactly the intended use
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void DisableInstanceMetadata()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");

        // Nor read the developer's ~/.aws. The SDK fixes the shared files (paths and what it read) at first use, for the life
        // of the process, so the profiles tests rely on are written before anything runs. No default profile: tests that
        // want a profile name it with AWS_PROFILE (see RegionEnvironmentTests).
        Directory.CreateDirectory(SharedFilesDirectory);
        File.WriteAllText(Path.Combine(SharedFilesDirectory, "config"), $"[profile {ParisProfile}]\nregion = eu-west-3\n");
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(SharedFilesDirectory, "config"));
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(SharedFilesDirectory, "credentials"));
    }

    internal const string ParisProfile = "kmssignature-test-paris";

    internal static readonly string SharedFilesDirectory =
        Path.Combine(Path.GetTempPath(), $"kmssignature-core-tests-{Environment.ProcessId}");
}

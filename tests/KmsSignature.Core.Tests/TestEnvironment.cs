using System.Runtime.CompilerServices;

namespace KmsSignature.Core.Tests;

internal static class TestEnvironment
{
    // Tests never use real AWS: keep the SDK's default chain from probing EC2 instance metadata
    // (169.254.169.254), which is not on this machine and must never be contacted from a test run.
#pragma warning disable CA2255 // a test assembly initializer is exactly the intended use
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void DisableInstanceMetadata() => Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
}

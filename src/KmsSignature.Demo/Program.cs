using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using KmsSignature.LocalKms;

// The README's main command: an embedded LocalKms, a hosted PowerShell with the built module imported,
// and examples/quickstart.ps1 run against it as the admin, signer and verifier principals.
// Exit code 0 only when the runbook saw exactly the outcomes it expected.
var root = FindRepositoryRoot();
var manifest = Path.Combine(root, "out", "KmsSignature", "KmsSignature.psd1");
var script = Path.Combine(root, "examples", "quickstart.ps1");
if (!File.Exists(manifest))
{
    Console.Error.WriteLine($"The module is not built at {manifest}; run 'dotnet build src/KmsSignature.Cmdlets' first.");
    return 2;
}

await using var kms = await LocalKmsServer.StartAsync();
Console.WriteLine($"LocalKms listening at {kms.Endpoint} (Region {kms.Region}, account {kms.AccountId}); principals: admin, signer, verifier.");

var work = Directory.CreateTempSubdirectory("kmssignature-quickstart-").FullName;
try
{
    var state = InitialSessionState.CreateDefault2();
    state.ImportPSModule(manifest);
    using var runspace = RunspaceFactory.CreateRunspace(state);
    runspace.Open();
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddCommand(script)
        .AddParameter("EndpointUrl", kms.Endpoint)
        .AddParameter("Region", kms.Region)
        .AddParameter("AdminCredential", Credential(kms.Admin))
        .AddParameter("SignerCredential", Credential(kms.Signer))
        .AddParameter("VerifierCredential", Credential(kms.Verifier))
        .AddParameter("SignerPrincipal", kms.Signer.Arn)
        .AddParameter("VerifierPrincipal", kms.Verifier.Arn)
        .AddParameter("WorkDirectory", work);

    // The hosted engine has no host UI: the runbook writes its own text; anything else it emits is shown here.
    ps.Streams.Warning.DataAdded += (_, e) => Console.WriteLine("WARNING: " + ps.Streams.Warning[e.Index].Message);
    try
    {
        foreach (var item in ps.Invoke())
        {
            Console.WriteLine(item?.ToString());
        }
    }
    catch (RuntimeException ex)
    {
        Console.Error.WriteLine($"quickstart.ps1 failed: {ex.ErrorRecord?.ToString() ?? ex.Message}");
        return 1;
    }

    if (ps.Streams.Error.Count > 0)
    {
        foreach (var error in ps.Streams.Error)
        {
            Console.Error.WriteLine($"ERROR {error.FullyQualifiedErrorId}: {error}");
        }

        return 1;
    }

    Console.WriteLine($"LocalKms served {kms.Counters.Total} requests: " +
                      string.Join(", ", kms.Counters.Snapshot().OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")) + ".");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static PSCredential Credential(LocalKmsPrincipal principal) =>
    new(principal.AccessKeyId, new NetworkCredential(string.Empty, principal.SecretAccessKey).SecurePassword);

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KmsSignature.sln")))
            {
                return dir.FullName;
            }
        }
    }

    throw new InvalidOperationException("Run the demo from the repository (KmsSignature.sln not found).");
}

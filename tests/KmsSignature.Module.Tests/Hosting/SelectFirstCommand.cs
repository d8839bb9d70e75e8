using System.Management.Automation;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// Select-Object -First N as PowerShell has it (the hosted engine lacks Microsoft.PowerShell.Utility): after N objects it
/// throws StopUpstreamCommandsException, which ends the commands upstream without StopProcessing, only disposing them.
/// Imported with <c>Import-Module -Assembly $testAssembly</c>.
/// </summary>
[Cmdlet(VerbsCommon.Select, "FirstShim")]
public sealed class SelectFirstCommand : PSCmdlet
{
    private int seen;

    [Parameter(Mandatory = true, Position = 0)]
    public int First { get; set; }

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        WriteObject(InputObject);
        if (++seen >= First)
        {
            // Internal to the engine: made as Select-Object makes it, for this command.
            throw (Exception)Activator.CreateInstance(
                typeof(PSCmdlet).Assembly.GetType("System.Management.Automation.StopUpstreamCommandsException", throwOnError: true)!,
                System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic,
                binder: null, args: [this], culture: null)!;
        }
    }
}

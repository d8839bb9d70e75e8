using System.Management.Automation;

namespace KmsSignature.Bench;

/// <summary>
/// The least any compiled cmdlet can cost per piped item: bind one by-value PSObject parameter and write one
/// object. Test-KmsSignature's pipeline rows are compared with this floor, not only with raw verification.
/// </summary>
[Cmdlet("Measure", "PipelineFloor")]
public sealed class PipelineFloorCommand : PSCmdlet
{
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord() => WriteObject(InputObject);
}

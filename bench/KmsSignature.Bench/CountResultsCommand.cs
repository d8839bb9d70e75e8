using System.Management.Automation;

namespace KmsSignature.Bench;

/// <summary>
/// Counts the results piped to it, and the valid ones, and writes the two counts at the end: a streaming run can then
/// show that every input was checked, without keeping a result per input as collecting them would.
/// </summary>
[Cmdlet("Measure", "VerificationResults")]
public sealed class CountResultsCommand : PSCmdlet
{
    private long count;
    private long valid;

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        count++;
        if (InputObject?.Properties["IsValid"]?.Value is true)
        {
            valid++;
        }
    }

    protected override void EndProcessing() => WriteObject(new[] { count, valid }, enumerateCollection: false);
}

using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Kms;

namespace KmsSignature.Cmdlets;

/// <summary>Gets KMS signing keys by key identifier, by alias (wildcards), or all of them.</summary>
[Cmdlet(VerbsCommon.Get, "KmsSigningKey", DefaultParameterSetName = AllSet)]
[OutputType(typeof(KmsSigningKey))]
public sealed class GetKmsSigningKeyCommand : KmsCmdletBase
{
    private const string AllSet = "All";
    private const string KeyIdSet = "KeyId";
    private const string AliasSet = "Alias";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeyIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Arn", "KeyArn", "TargetKeyId")]
    [ValidateNotNullOrEmpty]
    public string[] KeyId { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = AliasSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Alias { get; set; } = [];

    /// <summary>Also return keys that cannot sign (ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC ...).</summary>
    [Parameter]
    public SwitchParameter IncludeAllKeyUsage { get; set; }

    protected override void ProcessRecord()
    {
        var service = new SigningKeyService(Connection, Log);
        switch (ParameterSetName)
        {
            case KeyIdSet:
                foreach (var id in KeyId)
                {
                    Try(() => WriteObject(Run(ct => service.GetAsync(id, IncludeAllKeyUsage, ct))));
                }

                break;
            case AliasSet:
                foreach (var pattern in Alias)
                {
                    Try(() => Write(Run(ct => service.FindByAliasAsync(pattern, IncludeAllKeyUsage, ct))));
                }

                break;
            default:
                Try(() => Write(Run(ct => service.ListAsync(IncludeAllKeyUsage, ct))));
                break;
        }
    }

    // In listing order: each key, or a non-terminating error for the one key that could not be read.
    private void Write(IReadOnlyList<KeyListEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (entry.Error is { } error)
            {
                WriteError(error);
            }
            else
            {
                WriteObject(entry.Key);
            }
        }
    }

    private void Try(Action action)
    {
        try
        {
            action();
        }
        catch (KmsSignatureException ex)
        {
            WriteError(ex);
        }
    }
}

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
                    Try(() => Run(async ct =>
                    {
                        await service.FindByAliasAsync(pattern, IncludeAllKeyUsage, WriteAsync, ct).ConfigureAwait(false);
                        return true;
                    }));
                }

                break;
            default:
                Try(() => Run(async ct =>
                {
                    await service.ListAsync(IncludeAllKeyUsage, WriteAsync, ct).ConfigureAwait(false);
                    return true;
                }));
                break;
        }
    }

    // In listing order, as each key is described: the key, or a non-terminating error for the one key that could not be read.
    // Written on the pipeline thread; the listing goes on once it is written, so a downstream command that has enough
    // (Select-Object -First, which throws here to stop this command) or an -ErrorAction Stop ends it without describing
    // the keys after it.
    private Task WriteAsync(KeyListEntry entry) => OnPipelineThreadAsync(() =>
    {
        if (entry.Error is { } error)
        {
            WriteError(error);
        }
        else
        {
            WriteObject(entry.Key);
        }

        return true;
    });

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

using System.Collections;
using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;

namespace KmsSignature.Cmdlets;

/// <summary>Creates a KMS signing key (SIGN_VERIFY) with an alias, optionally born with its signer/verifier policy.</summary>
[Cmdlet(VerbsCommon.New, "KmsSigningKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KmsSigningKey))]
public sealed class NewKmsSigningKeyCommand : KmsCmdletBase
{
    internal const string DefaultKeySpec = "ECC_NIST_P256";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySpecCompleter))]
    [ValidateNotNullOrEmpty]
    public string KeySpec { get; set; } = DefaultKeySpec;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    [Parameter]
    [TagsAsHashtable]
    public Hashtable? Tag { get; set; }

    [Parameter]
    public SwitchParameter MultiRegion { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] SignerPrincipal { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] VerifierPrincipal { get; set; } = [];

    [Parameter]
    [ArgumentCompleter(typeof(SigningAlgorithmCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? SigningAlgorithm { get; set; }

    [Parameter]
    public SwitchParameter AllowKmsVerify { get; set; }

    [Parameter]
    public SwitchParameter UseExisting { get; set; }

    /// <summary>Allows the "*" principal.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var options = new NewSigningKeyOptions
            {
                Alias = Alias,
                KeySpec = KeySpec,
                Description = Description,
                Tags = Tags(),
                MultiRegion = MultiRegion,
                UseExisting = UseExisting,
                Policy = new SignerPolicyRequest
                {
                    Signers = SignerPrincipal,
                    Verifiers = VerifierPrincipal,
                    SigningAlgorithms = SigningAlgorithm,
                    AllowKmsVerify = AllowKmsVerify ? true : null,
                    AllowEveryone = Force,
                },
            };
            var service = new SigningKeyService(Connection, Log);
            var plan = Run(ct => service.PlanCreateAsync(options, ct));
            WriteBlockingDenies(plan.PolicyPlan?.BlockingDenies ?? []);

            if (plan.HasChanges && !ShouldProcess(plan.Target, plan.Describe()))
            {
                return;
            }

            if (Run(ct => service.ExecuteAsync(plan, ConfirmReuseAsync, ct)) is { } key)
            {
                WriteObject(key);
            }
        }
        catch (KmsSignatureException ex)
        {
            WriteError(ex);
        }
    }

    // Asked on the pipeline thread (ShouldProcess may prompt) when another run made the alias after this one's plan was confirmed.
    // PipelineStoppedException when the prompt is answered with Suspend or stopped.
    private Task<bool> ConfirmReuseAsync(NewSigningKeyPlan reuse) => OnPipelineThreadAsync(() =>
    {
        WriteBlockingDenies(reuse.PolicyPlan?.BlockingDenies ?? []);
        return ShouldProcess(reuse.Target, reuse.Describe());
    });

    private Dictionary<string, string> Tags()
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Tag ?? new Hashtable())
        {
            var key = LanguagePrimitives.ConvertTo<string>(entry.Key);
            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            if (value is IEnumerable and not string || value is PSCustomObject)
            {
                // PowerShell's string conversion joins a list's items with spaces: '{"owners":["ana","bo"]}' tagged "ana bo".
                throw new KmsSignatureException("InvalidTag", ErrorKind.InvalidArgument,
                    $"-Tag '{key}': a tag value is one string, not a {value.GetType().Name}; join a list into one value yourself.", key);
            }

            tags[key] = LanguagePrimitives.ConvertTo<string>(value) ?? string.Empty;
        }

        return tags;
    }
}

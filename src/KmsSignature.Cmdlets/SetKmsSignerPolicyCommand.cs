using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Merges signer (kms:Sign) and offline-verifier (kms:GetPublicKey) grants into a key policy, keeping every
/// other statement. KMS has no optimistic concurrency for key policies: the policy is read again just before writing and re-read after.
/// </summary>
[Cmdlet(VerbsCommon.Set, "KmsSignerPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(KmsKeyPolicy))]
public sealed class SetKmsSignerPolicyCommand : KmsCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Alias", "Arn", "KeyArn", "TargetKeyId")]
    [ValidateNotNullOrEmpty]
    public string KeyId { get; set; } = string.Empty;

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
    public SwitchParameter Remove { get; set; }

    /// <summary>Allows the "*" principal.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var request = new SignerPolicyRequest
        {
            Signers = SignerPrincipal,
            Verifiers = VerifierPrincipal,
            SigningAlgorithms = SigningAlgorithm,
            AllowKmsVerify = MyInvocation.BoundParameters.ContainsKey(nameof(AllowKmsVerify)) ? AllowKmsVerify.IsPresent : null,
            Remove = Remove,
            AllowEveryone = Force,
        };
        try
        {
            SignerPolicyMerge.RequireChange(request, KeyId);
        }
        catch (KmsSignatureException ex)
        {
            // The parameters ask for nothing, whichever key is piped in: stop before connecting, as for any bad argument.
            ThrowTerminatingError(ErrorRecords.From(ex));
        }

        try
        {
            var service = new SigningKeyService(Connection, Log);
            var (key, plan) = Run(ct => service.PlanPolicyAsync(KeyId, request, ct));
            if (key.KeyState != "Enabled")
            {
                // KMS lets a policy change on a disabled key or one pending deletion; say that the grants cannot be used yet.
                WriteWarning($"KMS key {key.Arn} is {key.KeyState}: the policy can change, but nobody can sign or fetch its public key until it is Enabled.");
            }

            WriteBlockingDenies(plan.BlockingDenies);

            if (plan.HasChanges && !ShouldProcess(key.Arn, "Update the key policy:" + Environment.NewLine + plan.Describe()))
            {
                return;
            }

            var result = Run(ct => service.ApplyPolicyAsync(key, plan, ct));
            WriteVerbose(result.Status == KmsPolicyUpdateStatus.NoChange
                ? $"{key.Arn}: NoChange (the policy already grants this; PutKeyPolicy was not called)."
                : $"{key.Arn}: Updated ({string.Join("; ", plan.Changes)}).");
            if (PassThru)
            {
                WriteObject(result);
            }
        }
        catch (KmsSignatureException ex)
        {
            WriteError(ex);
        }
    }
}

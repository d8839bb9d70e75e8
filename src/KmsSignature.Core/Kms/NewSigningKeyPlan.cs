using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Policy;

namespace KmsSignature.Core.Kms;

/// <summary>
/// What New-KmsSigningKey is about to do, worked out with read-only calls: create a key, or reuse the key the
/// alias already names (-UseExisting) and merge the requested grants into its policy. Nothing is written yet.
/// </summary>
public sealed class NewSigningKeyPlan
{
    private readonly IReadOnlyList<PolicyStatementChange> birthChanges;

    internal NewSigningKeyPlan(NewSigningKeyOptions options, string alias, KmsSigningKey? existingKey, SignerPolicyPlan? policyPlan,
        IReadOnlyList<PolicyStatementChange>? birthChanges = null)
    {
        Options = options;
        Alias = alias;
        ExistingKey = existingKey;
        PolicyPlan = policyPlan;
        this.birthChanges = birthChanges ?? [];
    }

    /// <summary>The alias, normalized (<c>alias/</c> prefix).</summary>
    public string Alias { get; }

    /// <summary>The key the alias already names, reused; null when a key will be created.</summary>
    public KmsSigningKey? ExistingKey { get; }

    /// <summary>For a reused key given grants: the merge into its key policy (the same as Set-KmsSignerPolicy's); else null.</summary>
    public SignerPolicyPlan? PolicyPlan { get; }

    /// <summary>True when carrying out the plan writes to KMS: a new key, or a changed policy on the reused one.</summary>
    public bool HasChanges => ExistingKey is null || PolicyPlan?.HasChanges == true;

    /// <summary>What the change is made to, for ShouldProcess: the alias of a new key, or the ARN of the reused key.</summary>
    public string Target => ExistingKey?.Arn ?? Alias;

    internal NewSigningKeyOptions Options { get; }

    /// <summary>One paragraph for -WhatIf and -Confirm.</summary>
    public string Describe()
    {
        if (ExistingKey is { } key)
        {
            return PolicyPlan is { HasChanges: true } plan
                ? $"Reuse KMS key {key.Arn}, which {Alias} names, and update its key policy:{Environment.NewLine}{plan.Describe()}"
                : $"Reuse KMS key {key.Arn}, which {Alias} names; its key policy already grants this.";
        }

        // The statements themselves, as Set-KmsSignerPolicy shows them: the algorithm condition and kms:Verify included.
        // Every spec name starts with a vowel sound (ECC, RSA, ML-DSA, SM2); the name as KMS spells it, not as typed.
        var spec = KmsKeySpecs.TryParse(Options.KeySpec.Trim(), out var parsed) ? parsed.ToKmsName() : Options.KeySpec;
        return $"Create an {spec} signing key with the alias {Alias} and " +
               (birthChanges.Count > 0
                   ? "the default key policy (the account administers the key) with these statements:" + Environment.NewLine +
                     string.Join(Environment.NewLine, birthChanges.Select(c => $"{c.Kind} {c.Sid}: {c.After}"))
                   : "the default key policy");
    }

    public override string ToString() => Describe();
}

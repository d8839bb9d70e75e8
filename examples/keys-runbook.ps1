#Requires -Version 7.4
<#
.SYNOPSIS
    Key-management runbook: an RSA_4096 file-signing key and an ECC_NIST_P256 JWT key, each with a signer
    role (kms:Sign) and an offline-verifier role (kms:GetPublicKey only), public keys exported as PEM and JWKS.
    Idempotent: run it again and nothing changes (-UseExisting, and Set-KmsSignerPolicy reports NoChange).
.EXAMPLE
    # Against LocalKms (dotnet run --project src/KmsSignature.LocalKms prints endpoint and test keys):
    ./examples/keys-runbook.ps1 -EndpointUrl http://127.0.0.1:4566/ -Region us-east-1 -Credential $adminCred `
        -SignerPrincipal arn:aws:iam::111122223333:role/KmsSigner -VerifierPrincipal arn:aws:iam::111122223333:role/KmsVerifier
.EXAMPLE
    # Against AWS with a profile:
    ./examples/keys-runbook.ps1 -ProfileName admin -Region eu-west-1 -SignerPrincipal $signerRoleArn -VerifierPrincipal $verifierRoleArn
.EXAMPLE
    # Rehearse: -WhatIf says what each step would do (keys, policies, files) and changes nothing.
    ./examples/keys-runbook.ps1 -ProfileName admin -Region eu-west-1 -SignerPrincipal $signerRoleArn -VerifierPrincipal $verifierRoleArn -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string[]] $SignerPrincipal,
    [Parameter(Mandatory)] [string[]] $VerifierPrincipal,
    [string] $AliasPrefix = 'runbook',
    [string] $OutputDirectory = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'kms-runbook'),
    [string] $Region,
    [string] $ProfileName,
    [object] $Credential,
    [uri] $EndpointUrl
)

$ErrorActionPreference = 'Stop'
$connection = @{}
foreach ($name in 'Region', 'ProfileName', 'Credential', 'EndpointUrl') {
    if ($PSBoundParameters.ContainsKey($name)) { $connection[$name] = $PSBoundParameters[$name] }
}

# -WhatIf and -Confirm reach the module's cmdlets through $WhatIfPreference and $ConfirmPreference; this is the one step of
# our own that changes something.
if ($PSCmdlet.ShouldProcess($OutputDirectory, 'Create the output directory')) {
    $null = [IO.Directory]::CreateDirectory($OutputDirectory)
}

$specs = 'RSA_4096', 'ECC_NIST_P256'
$keys = [Collections.Generic.List[object]]::new()
$report = foreach ($spec in $specs) {
    $alias = "alias/$AliasPrefix-$($spec.ToLowerInvariant().Replace('_', '-'))"
    # Born with its policy the first time; reused (same spec required) on every later run, the principals merged into its policy.
    $key = New-KmsSigningKey -Alias $alias -KeySpec $spec -SignerPrincipal $SignerPrincipal -VerifierPrincipal $VerifierPrincipal -UseExisting @connection
    if (-not $key) { continue } # -WhatIf (or a declined -Confirm): no key to go on with
    $keys.Add($key)
    # Reports the policy's state: NoChange, since New-KmsSigningKey already merged the grants.
    $policy = $key | Set-KmsSignerPolicy -SignerPrincipal $SignerPrincipal -VerifierPrincipal $VerifierPrincipal -PassThru @connection
    [pscustomobject]@{ Alias = $key.Alias; KeySpec = $key.KeySpec; KeyId = $key.KeyId; Policy = $policy.Status }
    $key | Export-KmsPublicKeyPem -Path ([IO.Path]::Combine($OutputDirectory, "$AliasPrefix-$($spec.ToLowerInvariant()).pem")) -Force @connection
}

# The JWKS of the keys in hand: listing them again by alias would need kms:ListAliases, which this runbook otherwise does not.
# Only when every key is in hand: -Force would replace a published JWKS with one that lacks a key -Confirm passed over.
if ($keys.Count -eq $specs.Count) {
    $keys | Export-KmsPublicKeyPem -Format Jwks -Path ([IO.Path]::Combine($OutputDirectory, 'jwks.json')) -Force @connection
}
elseif ($keys.Count -gt 0) {
    $PSCmdlet.WriteWarning("jwks.json was not written: only $($keys.Count) of the $($specs.Count) keys are in hand.")
}

$report

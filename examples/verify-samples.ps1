#!/usr/bin/env pwsh
# Verifies the sample tokens and the sample file signature in examples/samples offline, with only
# the public key: the module's main job in a few lines. Run after `dotnet build` (module in out/KmsSignature).
# Uses only core cmdlets and .NET calls, so it also runs in a minimal hosted PowerShell.
param(
    [string] $ModulePath = [IO.Path]::Combine($PSScriptRoot, '..', 'out', 'KmsSignature', 'KmsSignature.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$samples = [IO.Path]::Combine($PSScriptRoot, 'samples')
$key = [IO.Path]::Combine($samples, 'signing-key.pem')

# Tokens, one per line, checked against the public key; the tampered third one must be rejected.
$tokens = [IO.File]::ReadAllLines([IO.Path]::Combine($samples, 'tokens.txt'))
$results = $tokens | Test-KmsSignature -PublicKey $key -Issuer 'https://issuer.example'

# A release file and its detached signature (openssl dgst -sha256 -sign), as a KMS ECDSA_SHA_256 key makes it.
$file = Test-KmsSignature -LiteralPath ([IO.Path]::Combine($samples, 'release.txt')) -PublicKey $key

$results
$file

$statuses = @($results | ForEach-Object { $_.Status.ToString() }) -join ','
if ($statuses -ne 'Valid,Valid,InvalidSignature' -or -not $file.IsValid) {
    throw "Sample verification gave '$statuses' and file '$($file.Status)'; expected Valid,Valid,InvalidSignature and Valid."
}

'All samples verified as expected.'

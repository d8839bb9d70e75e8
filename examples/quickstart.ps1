<#
.SYNOPSIS
    KmsSignature quickstart runbook: keys with signer/verifier policies, JWTs and file signatures made by KMS,
    public keys exported, everything verified offline, and the rejections a verifier must make.

.DESCRIPTION
    Run by the demo (`dotnet run --project src/KmsSignature.Demo`) against an embedded LocalKms.
    Against real AWS, in pwsh 7.4+ with the module imported, give a Region/profile and no endpoint:

        ./examples/quickstart.ps1 -Region eu-central-1 -ProfileName admin `
            -SignerPrincipal arn:aws:iam::111122223333:role/Signer -VerifierPrincipal arn:aws:iam::111122223333:role/Verifier

    Without -SignerCredential/-VerifierCredential (or their profiles) every step runs as the admin identity and
    the "verifier is denied kms:Sign" step is skipped. Keys are created with -UseExisting (idempotent);
    real KMS keys cost money: schedule their deletion when done. The script throws when any outcome is unexpected.
#>
[CmdletBinding()]
param(
    [string] $Region,
    [string] $ProfileName,
    [Uri] $EndpointUrl,
    [object] $AdminCredential,
    [object] $SignerCredential,
    [string] $SignerProfileName,
    [object] $VerifierCredential,
    [string] $VerifierProfileName,
    [Parameter(Mandatory)] [string] $SignerPrincipal,
    [Parameter(Mandatory)] [string] $VerifierPrincipal,
    [string] $WorkDirectory = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'kmssignature-quickstart'),
    [string] $AliasPrefix = 'kmssignature-quickstart'
)

$ErrorActionPreference = 'Stop'
$script:unexpected = 0

# --- output helpers (the demo's hosted engine has no Format-Table, so tables are drawn here) ---
function Write-Line([string] $Text = '') { [Console]::WriteLine($Text) }
function Write-Step([string] $Title) { Write-Line; Write-Line "== $Title ==" }
function Write-Table([object[]] $Rows, [string[]] $Columns) {
    $width = @{}
    foreach ($c in $Columns) { $width[$c] = $c.Length }
    foreach ($r in $Rows) { foreach ($c in $Columns) { $width[$c] = [Math]::Max($width[$c], [Math]::Min(60, "$($r.$c)".Length)) } }
    $cell = { param($text, $c) $t = "$text"; if ($t.Length -gt 60) { $t = $t.Substring(0, 57) + '...' }; $t.PadRight($width[$c]) }
    Write-Line (($Columns | ForEach-Object { & $cell $_ $_ }) -join '  ')
    Write-Line (($Columns | ForEach-Object { '-' * $width[$_] }) -join '  ')
    foreach ($r in $Rows) { Write-Line (($Columns | ForEach-Object { & $cell $r.$_ $_ }) -join '  ') }
}
function Assert-Outcome([string] $What, [bool] $Ok) {
    if ($Ok) { Write-Line "  ok    $What" } else { Write-Line "  FAIL  $What"; $script:unexpected++ }
}
function New-Connection([object] $Credential, [string] $Profile) {
    $c = @{}
    if ($Region) { $c.Region = $Region }
    if ($EndpointUrl) { $c.EndpointUrl = $EndpointUrl }
    if ($Credential) { $c.Credential = $Credential } elseif ($Profile) { $c.ProfileName = $Profile } elseif ($ProfileName) { $c.ProfileName = $ProfileName }
    $c
}

$admin = New-Connection $AdminCredential $ProfileName
$signer = New-Connection $SignerCredential $SignerProfileName
$verifier = New-Connection $VerifierCredential $VerifierProfileName
$separateVerifier = [bool]($VerifierCredential -or $VerifierProfileName)
$release = [IO.Directory]::CreateDirectory([IO.Path]::Combine($WorkDirectory, 'release')).FullName
$keysDir = [IO.Directory]::CreateDirectory([IO.Path]::Combine($WorkDirectory, 'keys')).FullName

Write-Step '1. Create signing keys, born with signer and verifier policies'
$policy = @{ SignerPrincipal = $SignerPrincipal; VerifierPrincipal = $VerifierPrincipal; UseExisting = $true }
$jwtKey = New-KmsSigningKey -Alias "$AliasPrefix-jwt" -KeySpec ECC_NIST_P256 -Description 'Quickstart JWT signing key' @policy @admin
$fileKey = New-KmsSigningKey -Alias "$AliasPrefix-files" -KeySpec RSA_4096 -Description 'Quickstart release signing key' @policy @admin
Write-Table @($jwtKey, $fileKey) 'Alias', 'KeySpec', 'KeyId', 'KeyState'

Write-Step '2. Sign a batch of JWTs (many KMS calls in flight, output in input order)'
$clock = [Diagnostics.Stopwatch]::StartNew()
$jwts = 1..50 | ForEach-Object { [ordered]@{ sub = "user-$_"; scope = 'orders:read' } } |
    New-KmsSignedJwt -KeyId $jwtKey.Arn -Issuer 'https://issuer.example' -Audience 'orders-api' -Lifetime ([TimeSpan]::FromMinutes(15)) -NewJwtId @signer
Write-Line ("  {0} tokens in {1:N0} ms" -f $jwts.Count, $clock.Elapsed.TotalMilliseconds)
Write-Table @($jwts[0..2]) 'Algorithm', 'ExpiresAt', 'Token'
Assert-Outcome 'all 50 tokens signed, in order' ($jwts.Count -eq 50 -and $jwts[49].Claims['sub'] -eq 'user-50')

Write-Step '3. Sign release files (the one over 4096 bytes is hashed locally and sent as DIGEST)'
[IO.File]::WriteAllText([IO.Path]::Combine($release, 'notes.txt'), "Release 1.2.3`nFixed everything.`n")
[IO.File]::WriteAllText([IO.Path]::Combine($release, 'config.json'), '{"feature":true}')
$big = [byte[]]::new(1MB); [Random]::new(7).NextBytes($big)
[IO.File]::WriteAllBytes([IO.Path]::Combine($release, 'app.bin'), $big)
# The files by name, not '*': a run again in this directory must not sign the last run's .sig files.
$releaseFiles = 'notes.txt', 'config.json', 'app.bin' | ForEach-Object { [IO.Path]::Combine($release, $_) }
$signed = New-KmsSignature -LiteralPath $releaseFiles -KeyId $fileKey.Arn -Force @signer
Write-Table $signed 'Path', 'Algorithm', 'MessageType', 'SignaturePath'
Assert-Outcome 'three .sig files written' ($signed.Count -eq 3)

Write-Step '4. Export public keys for offline verifiers (as the verifier: kms:GetPublicKey only)'
$jwks = [IO.Path]::Combine($keysDir, 'jwks.json')
$pem = [IO.Path]::Combine($keysDir, 'release.pem')
$null = Export-KmsPublicKeyPem -KeyId $jwtKey.Arn -Format Jwks -Path $jwks -Force @verifier
$null = Export-KmsPublicKeyPem -KeyId $fileKey.Arn -Format Pem -Path $pem -Force @verifier
Write-Line "  $jwks"
Write-Line "  $pem"

Write-Step '5. Verify everything offline (no KMS call)'
$tokenResults = $jwts | Test-KmsSignature -TrustStore $jwks -Issuer 'https://issuer.example' -Audience 'orders-api'
Assert-Outcome "all $($tokenResults.Count) tokens Valid" (@($tokenResults | Where-Object { $_.Status -ne 'Valid' }).Count -eq 0 -and $tokenResults.Count -eq 50)
$files = if (Get-Command Get-ChildItem -ErrorAction Ignore) { Get-ChildItem $release -File | Where-Object Extension -ne '.sig' }
         else { [IO.DirectoryInfo]::new($release).GetFiles() | Where-Object { $_.Extension -ne '.sig' } }
$fileResults = $files | Test-KmsSignature -PublicKey $pem
Write-Table $fileResults 'Status', 'Algorithm', 'Path', 'Reason'
Assert-Outcome 'all files Valid' (@($fileResults | Where-Object { $_.Status -ne 'Valid' }).Count -eq 0 -and $fileResults.Count -eq 3)

Write-Step '6. What a verifier must reject'
$tampered = [IO.Path]::Combine($release, 'app.bin')
$bytes = [IO.File]::ReadAllBytes($tampered); $bytes[1000] = $bytes[1000] -bxor 1; [IO.File]::WriteAllBytes($tampered, $bytes)
$expired = New-KmsSignedJwt -KeyId $jwtKey.Arn -Issuer 'https://issuer.example' -Audience 'orders-api' -Subject 'late' `
    -IssuedAt ([DateTimeOffset]::UtcNow.AddHours(-2)) -Lifetime ([TimeSpan]::FromHours(1)) @signer
$rogueKey = New-KmsSigningKey -Alias "$AliasPrefix-rogue" -KeySpec ECC_NIST_P256 @policy @admin
$rogue = New-KmsSignedJwt -KeyId $rogueKey.Arn -Issuer 'https://issuer.example' -Audience 'orders-api' @signer
$cases = @(
    [pscustomobject]@{ Case = 'tampered app.bin'; Expected = 'InvalidSignature'; Result = (Test-KmsSignature -LiteralPath $tampered -PublicKey $pem) }
    [pscustomobject]@{ Case = 'expired token'; Expected = 'Expired'; Result = ($expired | Test-KmsSignature -TrustStore $jwks) }
    [pscustomobject]@{ Case = 'token from an unknown key'; Expected = 'UntrustedKey'; Result = ($rogue | Test-KmsSignature -TrustStore $jwks) }
) | ForEach-Object { [pscustomobject]@{ Case = $_.Case; Expected = $_.Expected; Status = "$($_.Result.Status)"; Reason = $_.Result.Reason } }
Write-Table $cases 'Case', 'Expected', 'Status', 'Reason'
foreach ($c in $cases) { Assert-Outcome "$($c.Case) rejected as $($c.Expected)" ($c.Status -eq $c.Expected) }

Write-Step '7. The verifier principal may read public keys but never sign'
if ($separateVerifier) {
    $denied = $null
    $null = New-KmsSignedJwt -KeyId $jwtKey.Arn @verifier -ErrorAction SilentlyContinue -ErrorVariable denied
    Write-Line "  New-KmsSignedJwt as the verifier: $($denied[0].FullyQualifiedErrorId.Split(',')[0])"
    Assert-Outcome 'verifier denied kms:Sign' ($denied.Count -eq 1 -and $denied[0].FullyQualifiedErrorId -like 'KmsSignature.KmsAccessDenied*')
} else {
    Write-Line '  skipped: no separate verifier identity given (-VerifierCredential or -VerifierProfileName)'
}

Write-Line
if ($script:unexpected -gt 0) { throw "quickstart: $($script:unexpected) unexpected outcome(s)" }
Write-Line 'quickstart: every outcome was as expected.'

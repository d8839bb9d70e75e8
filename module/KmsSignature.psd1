@{
    RootModule           = 'KmsSignature.Cmdlets.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'd8047d24-9f24-46f6-ada0-53cab66fe870'
    Author               = 'KmsSignature contributors'
    CompanyName          = 'KmsSignature'
    Copyright            = '(c) KmsSignature contributors. MIT License.'
    Description          = 'Sign with AWS KMS asymmetric keys (JWTs and detached file signatures) and verify those signatures offline, at scale, without calling KMS.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('KmsSignature.Types.ps1xml')
    FormatsToProcess     = @(
        'KmsSignature.Verification.Format.ps1xml'
        'KmsSignature.Keys.Format.ps1xml'
        'KmsSignature.Signing.Format.ps1xml'
    )
    CmdletsToExport      = @(
        # Each cmdlet is listed here when it lands; the module tests check the two agree.
        'Test-KmsSignature'
        'New-KmsSigningKey'
        'Get-KmsSigningKey'
        'Set-KmsSignerPolicy'
        'Export-KmsPublicKeyPem'
        'New-KmsSignedJwt'
        'New-KmsSignature'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'KMS', 'JWT', 'JWS', 'JWK', 'Signature', 'CodeSigning', 'ECDSA', 'RSA', 'Ed25519', 'ML-DSA', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/kmssignature/KmsSignature/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/kmssignature/KmsSignature'
            ReleaseNotes = 'See CHANGELOG.md'
        }
    }
}

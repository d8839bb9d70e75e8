# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT and credentials it accepts (for LocalKms, see README.md here).
# The keys it exports are created here, so it runs only against that endpoint (LocalKms).
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:run = [guid]::NewGuid().ToString('N').Substring(0, 8)
}

Describe 'Export-KmsPublicKeyPem' {
    Context 'Parameters' {
        It 'has the documented formats and kid styles' {
            $command = Get-Command Export-KmsPublicKeyPem
            $command.Parameters['Format'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues | Should -Be @('Pem', 'Jwk', 'Jwks', 'Der')
            $command.Parameters['KeyIdStyle'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues | Should -Be @('Arn', 'KeyId', 'Alias', 'Thumbprint')
        }
    }

    Context 'Exporting' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        BeforeAll {
            $script:ec = New-KmsSigningKey -Alias "pester-export-$run-ec" @kms
            $script:rsa = New-KmsSigningKey -Alias "pester-export-$run-rsa" -KeySpec RSA_2048 @kms
            $script:dir = Join-Path ([IO.Path]::GetTempPath()) "pester-export-$run"
            [void][IO.Directory]::CreateDirectory($dir)
        }

        AfterAll {
            if ($dir) { [IO.Directory]::Delete($dir, $true) }
        }

        It 'emits a KmsPublicKey whose ToString() is the PEM' {
            $key = Export-KmsPublicKeyPem -KeyId $ec.Arn @kms
            $key.KeySpec | Should -Be 'ECC_NIST_P256'
            $key.JwtAlgorithm | Should -Be 'ES256'
            "$key" | Should -Match '^-----BEGIN PUBLIC KEY-----'
            "$key" | Should -Be $key.Pem
        }

        It 'writes a JWK with alg, use and the ARN as kid' {
            $jwk = Export-KmsPublicKeyPem -KeyId $ec.Arn -Format Jwk @kms | ConvertFrom-Json
            $jwk.kid | Should -Be $ec.Arn
            $jwk.alg | Should -Be 'ES256'
            $jwk.use | Should -Be 'sig'
        }

        It 'pins no alg for an RSA key unless -Algorithm names one' {
            $jwk = Export-KmsPublicKeyPem -KeyId $rsa.Arn -Format Jwk @kms -ErrorAction Stop | ConvertFrom-Json
            $jwk.kty | Should -Be 'RSA' # a JWK was written: the next line cannot pass on nothing
            $jwk.PSObject.Properties.Name | Should -Not -Contain 'alg'
            (Export-KmsPublicKeyPem -KeyId $rsa.Arn -Format Jwk -Algorithm PS256 @kms | ConvertFrom-Json).alg | Should -Be 'PS256'
            { Export-KmsPublicKeyPem -KeyId $ec.Arn -Algorithm PS256 @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.AlgorithmDoesNotFitKey*'
        }

        It 'uses the RFC 7638 thumbprint as kid with -KeyIdStyle Thumbprint' {
            $key = Export-KmsPublicKeyPem -KeyId $ec.Arn -KeyIdStyle Thumbprint @kms
            # RFC 7638 section 3.2, computed here: a P-256 SubjectPublicKeyInfo ends with 04 || x || y (32 bytes each).
            $der = Export-KmsPublicKeyPem -KeyId $ec.Arn -Format Der @kms
            $der.Length | Should -Be 91
            $der[26] | Should -Be 4
            $b64url = { param([byte[]] $bytes) [Convert]::ToBase64String($bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
            $members = '{"crv":"P-256","kty":"EC","x":"' + (& $b64url $der[27..58]) + '","y":"' + (& $b64url $der[59..90]) + '"}'
            $thumbprint = & $b64url ([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($members)))
            $key.Kid | Should -Be $thumbprint
            $key.JwkThumbprint | Should -Be $thumbprint
        }

        It 'writes one JWKS for piped keys' {
            $path = Join-Path $dir 'jwks.json'
            Get-KmsSigningKey -Alias "pester-export-$run-*" @kms | Export-KmsPublicKeyPem -Format Jwks -Path $path @kms
            $jwks = [IO.File]::ReadAllText($path) | ConvertFrom-Json
            $jwks.keys.Count | Should -Be 2
            $jwks.keys.kid | Should -Contain $rsa.Arn
        }

        It 'returns DER as one byte array' {
            $der = Export-KmsPublicKeyPem -KeyId $rsa.Arn -Format Der @kms
            $der.GetType() | Should -Be ([byte[]])
            [Convert]::ToBase64String($der) | Should -Be ((Export-KmsPublicKeyPem -KeyId $rsa.Arn @kms).Pem -replace '-----[A-Z ]+-----|\s', '')
        }

        It 'does not overwrite a file without -Force' {
            $path = Join-Path $dir 'key.pem'
            Export-KmsPublicKeyPem -KeyId $ec.Arn -Path $path @kms
            { Export-KmsPublicKeyPem -KeyId $rsa.Arn -Path $path @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.OutputFileExists*'
            Export-KmsPublicKeyPem -KeyId $rsa.Arn -Path $path -Force @kms
            [IO.File]::ReadAllText($path) | Should -Be (Export-KmsPublicKeyPem -KeyId $rsa.Arn @kms).Pem
        }

        It 'writes no file with -WhatIf' {
            $path = Join-Path $dir 'whatif.pem'
            Export-KmsPublicKeyPem -KeyId $ec.Arn -Path $path -WhatIf @kms
            [IO.File]::Exists($path) | Should -BeFalse
        }

        It 'refuses -Format Jwk for several keys' {
            { $ec, $rsa | Export-KmsPublicKeyPem -Format Jwk -Path (Join-Path $dir 'two.jwk') @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.TooManyKeysForFormat*'
        }
    }
}

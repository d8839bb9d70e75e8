# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT and credentials it accepts (for LocalKms, see README.md here).
# These tests CREATE keys, so they run only against that endpoint (LocalKms), never against a real account by accident.
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:run = [guid]::NewGuid().ToString('N').Substring(0, 8)
}

Describe 'New-KmsSigningKey' {
    Context 'Parameters' {
        It 'is exported with the documented parameters' {
            $command = Get-Command New-KmsSigningKey
            $command.Parameters.Keys | Should -Contain 'Alias'
            $command.Parameters.Keys | Should -Contain 'UseExisting'
            $command.Parameters.Keys | Should -Contain 'SignerPrincipal'
            $command.Parameters['Alias'].Attributes.Where({ $_ -is [Parameter] }).Mandatory | Should -Contain $true
        }
    }

    Context 'Creating a key' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        It 'creates an ECC_NIST_P256 SIGN_VERIFY key with the alias by default' {
            $key = New-KmsSigningKey -Alias "pester-default-$run" @kms
            $key.Alias | Should -Be "alias/pester-default-$run"
            $key.KeySpec | Should -Be 'ECC_NIST_P256'
            $key.KeyUsage | Should -Be 'SIGN_VERIFY'
            $key.JwtAlgorithms | Should -Contain 'ES256'
            $key.KeyState | Should -Be 'Enabled'
        }

        It 'creates the key with its signer and verifier policy' {
            $account = ((New-KmsSigningKey -Alias "pester-acct-$run" @kms).Arn -split ':')[4]
            $signer = "arn:aws:iam::${account}:role/pester-signer"
            $verifier = "arn:aws:iam::${account}:role/pester-verifier"
            $key = New-KmsSigningKey -Alias "alias/pester-policy-$run" -KeySpec RSA_2048 -SignerPrincipal $signer -VerifierPrincipal $verifier @kms
            $policy = Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal $signer -VerifierPrincipal $verifier -PassThru @kms
            $policy.Status.ToString() | Should -Be 'NoChange'
            $policy.Json | Should -Match 'KmsSignatureSigners'
            $policy.Json | Should -Match 'KmsSignatureVerifiers'
        }
    }

    Context 'Existing alias' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        BeforeAll {
            $script:existing = New-KmsSigningKey -Alias "pester-existing-$run" @kms
        }

        It 'refuses an alias that exists' {
            { New-KmsSigningKey -Alias "pester-existing-$run" @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.AliasExists*'
        }

        It 'returns the same key with -UseExisting' {
            $again = New-KmsSigningKey -Alias "pester-existing-$run" -UseExisting @kms
            $again.KeyId | Should -Be $existing.KeyId
        }

        It 'refuses -UseExisting when the existing key has another spec' {
            { New-KmsSigningKey -Alias "pester-existing-$run" -KeySpec RSA_2048 -UseExisting @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.ExistingKeyIncompatible*'
        }
    }

    Context 'Bad input' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        It 'refuses a key spec that cannot sign' {
            { New-KmsSigningKey -Alias "pester-bad-$run" -KeySpec SYMMETRIC_DEFAULT @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.InvalidKeySpec*'
        }

        It 'refuses the "*" principal without -Force' {
            { New-KmsSigningKey -Alias "pester-star-$run" -VerifierPrincipal '*' @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.WildcardPrincipal*'
        }

        It 'creates nothing with -WhatIf' {
            New-KmsSigningKey -Alias "pester-whatif-$run" -WhatIf @kms -ErrorAction Stop | Should -BeNullOrEmpty
            Get-KmsSigningKey -Alias "pester-whatif-$run*" @kms -ErrorAction Stop | Should -BeNullOrEmpty
        }
    }
}

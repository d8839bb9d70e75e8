# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT and credentials it accepts (for LocalKms, see README.md here).
# It creates keys and changes their policies, so it runs only against that endpoint (LocalKms).
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:run = [guid]::NewGuid().ToString('N').Substring(0, 8)
}

Describe 'Set-KmsSignerPolicy' {
    Context 'Parameters' {
        It 'supports -WhatIf and takes -KeyId by property name' {
            $command = Get-Command Set-KmsSignerPolicy
            $command.Parameters.Keys | Should -Contain 'WhatIf'
            $command.Parameters.Keys | Should -Contain 'Remove'
            $command.Parameters['KeyId'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
        }

        It 'refuses a command that asks for nothing, before connecting to KMS' {
            { Set-KmsSignerPolicy -KeyId alias/pester-nothing -Remove -Force -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.NothingToChange*'
        }
    }

    Context 'Merging grants' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        BeforeAll {
            $script:key = New-KmsSigningKey -Alias "pester-policy-$run" @kms
            $account = ($key.Arn -split ':')[4]
            $script:signer = "arn:aws:iam::${account}:role/pester-signer"
            $script:verifier = "arn:aws:iam::${account}:role/pester-verifier"
        }

        It 'adds signer and verifier statements and keeps the default statement' {
            $policy = $key | Set-KmsSignerPolicy -SignerPrincipal $signer -VerifierPrincipal $verifier -PassThru @kms
            $policy.Status.ToString() | Should -Be 'Updated'
            $policy.Json | Should -Match '"KmsSignatureSigners"'
            $policy.Json | Should -Match '"KmsSignatureVerifiers"'
            $policy.Json | Should -Match ':root'
        }

        It 'makes no change when the policy already grants it' {
            $policy = Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal $signer -PassThru @kms
            $policy.Status.ToString() | Should -Be 'NoChange'
        }

        It 'never grants kms:Sign to verifiers' {
            $policy = Set-KmsSignerPolicy -KeyId $key.Arn -VerifierPrincipal $verifier -PassThru @kms
            $statement = ($policy.Json | ConvertFrom-Json).Statement | Where-Object Sid -EQ 'KmsSignatureVerifiers'
            $statement | Should -Not -BeNullOrEmpty
            $statement.Action | Should -Contain 'kms:GetPublicKey'
            $statement.Action | Should -Not -Contain 'kms:Sign'
        }

        It 'removes a principal with -Remove' {
            $policy = Set-KmsSignerPolicy -KeyId $key.Arn -VerifierPrincipal $verifier -Remove -PassThru @kms
            $policy.Json | Should -Not -Match 'pester-verifier'
            $policy.Json | Should -Match 'pester-signer'
        }

        It 'changes nothing with -WhatIf' {
            $before = (Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal $signer -PassThru @kms).Json
            Set-KmsSignerPolicy -KeyId $key.Arn -VerifierPrincipal $verifier -WhatIf @kms -ErrorAction Stop | Should -BeNullOrEmpty
            (Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal $signer -PassThru @kms).Json | Should -Be $before
        }
    }

    Context 'Safety' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        BeforeAll {
            $script:key = New-KmsSigningKey -Alias "pester-policy-safety-$run" @kms
        }

        It 'refuses the "*" principal without -Force' {
            { Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal '*' @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.WildcardPrincipal*'
        }

        It 'refuses a principal that is not an IAM role or user ARN' {
            { Set-KmsSignerPolicy -KeyId $key.Arn -SignerPrincipal 'arn:aws:iam::12345:role/x' @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.InvalidPrincipal*'
        }
    }
}

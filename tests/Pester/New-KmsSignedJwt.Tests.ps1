# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT, credentials it accepts and the key to sign with in
# $env:KMSSIGNATURE_TEST_KEY (an ECC_NIST_P256 key the caller may sign with); for LocalKms, see README.md here.
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:key = $env:KMSSIGNATURE_TEST_KEY
}

Describe 'New-KmsSignedJwt' {
    Context 'Parameters' {
        It 'is exported with the documented parameters' {
            $command = Get-Command New-KmsSignedJwt
            $command.Parameters.Keys | Should -Contain 'Claims'
            $command.Parameters.Keys | Should -Contain 'ThrottleLimit'
            $command.Parameters['SignatureFormat'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues | Should -Be @('Jws', 'Der')
        }
    }

    Context 'Signing' -Skip:(-not $env:KMSSIGNATURE_TEST_KEY) {
        It 'makes one token per piped claims object, in order' {
            $tokens = 1..20 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $key @kms
            $tokens.Count | Should -Be 20
            $tokens | ForEach-Object { $_.Claims['n'] } | Should -Be (1..20)
            "$($tokens[0])" | Should -Match '^[\w-]+\.[\w-]+\.[\w-]+$'
        }

        It 'refuses an alg in -Header' {
            { New-KmsSignedJwt -KeyId $key -Header @{ alg = 'none' } @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.HeaderAlgNotAllowed*'
        }

        It 'signs nothing with -WhatIf' {
            New-KmsSignedJwt -KeyId $key -WhatIf @kms -ErrorAction Stop | Should -BeNullOrEmpty
        }
    }
}

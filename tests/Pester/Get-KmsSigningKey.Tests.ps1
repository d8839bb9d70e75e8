# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT and credentials it accepts (for LocalKms, see README.md here).
# The keys it reads are created here, so it runs only against that endpoint (LocalKms).
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:run = [guid]::NewGuid().ToString('N').Substring(0, 8)
}

Describe 'Get-KmsSigningKey' {
    Context 'Parameters' {
        It 'has the All, KeyId and Alias parameter sets' {
            $command = Get-Command Get-KmsSigningKey
            $command.ParameterSets.Name | Should -Contain 'All'
            $command.ParameterSets.Name | Should -Contain 'KeyId'
            $command.ParameterSets.Name | Should -Contain 'Alias'
            $command.DefaultParameterSet | Should -Be 'All'
        }

        It 'warns once about a plain http:// endpoint on another host (no request is sent: the key ids are invalid)' {
            $credential = [pscredential]::new('AKIDEXAMPLE', (ConvertTo-SecureString 'not-a-secret' -AsPlainText -Force))
            'not-a-key-id', 'not-one-either' |
                Get-KmsSigningKey -EndpointUrl http://kms.example.invalid:4566/ -Region us-east-1 -Credential $credential `
                    -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike '*http://kms.example.invalid:4566/*'
        }
    }

    Context 'Finding keys' -Skip:(-not $env:KMSSIGNATURE_TEST_ENDPOINT) {
        BeforeAll {
            $script:one = New-KmsSigningKey -Alias "pester-get-$run-one" @kms
            $script:two = New-KmsSigningKey -Alias "pester-get-$run-two" -KeySpec ECC_NIST_P384 @kms
        }

        It 'gets a key by alias name, key id and ARN' {
            (Get-KmsSigningKey -KeyId "alias/pester-get-$run-one" @kms).Arn | Should -Be $one.Arn
            (Get-KmsSigningKey -KeyId $one.KeyId @kms).Arn | Should -Be $one.Arn
            (Get-KmsSigningKey $one.Arn @kms).KeySpec | Should -Be 'ECC_NIST_P256'
        }

        It 'finds keys by alias wildcard' {
            $found = Get-KmsSigningKey -Alias "pester-get-$run-*" @kms
            @($found).Count | Should -Be 2
            $found.Arn | Should -Contain $one.Arn
            $found.Arn | Should -Contain $two.Arn
        }

        It 'takes keys from the pipeline by property name' {
            $found = $one, $two | Get-KmsSigningKey @kms
            $found.KeyId | Should -Be @($one.KeyId, $two.KeyId)
        }

        It 'lists the keys of the account without parameters' {
            (Get-KmsSigningKey @kms).Arn | Should -Contain $one.Arn
        }

        It 'returns nothing for a wildcard that matches nothing' {
            Get-KmsSigningKey -Alias "pester-none-$run-*" @kms -ErrorAction Stop | Should -BeNullOrEmpty
        }

        It 'reports an alias that does not exist' {
            { Get-KmsSigningKey -Alias "pester-none-$run" @kms -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsSignature.AliasNotFound*'
        }
    }
}

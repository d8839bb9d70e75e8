# Pester 5. Needs a KMS: set $env:KMSSIGNATURE_TEST_ENDPOINT, credentials it accepts and $env:KMSSIGNATURE_TEST_KEY
# (a key the caller may sign with); for LocalKms, see README.md here.
BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $script:kms = @{}
    if ($env:KMSSIGNATURE_TEST_ENDPOINT) { $script:kms.EndpointUrl = $env:KMSSIGNATURE_TEST_ENDPOINT }
    $script:key = $env:KMSSIGNATURE_TEST_KEY
}

Describe 'New-KmsSignature' {
    Context 'Parameters' {
        It 'has Path, LiteralPath and Message parameter sets' {
            (Get-Command New-KmsSignature).ParameterSets.Name | Should -Be @('Path', 'LiteralPath', 'Message')
        }
    }

    Context 'Files' -Skip:(-not $env:KMSSIGNATURE_TEST_KEY) {
        BeforeEach {
            $file = Join-Path $TestDrive "file-$([guid]::NewGuid()).bin"
            Set-Content -LiteralPath $file -Value 'hello' -NoNewline
        }

        It 'writes a .sig next to the file and reports RAW for small files' {
            $result = New-KmsSignature -Path $file -KeyId $key @kms
            $result.SignaturePath | Should -Be "$file.sig"
            $result.MessageType | Should -Be 'RAW'
            Test-Path "$file.sig" | Should -BeTrue
        }

        It 'does not overwrite without -Force' {
            Set-Content "$file.sig" 'keep'
            { New-KmsSignature -Path $file -KeyId $key @kms -ErrorAction Stop } | Should -Throw -ErrorId 'KmsSignature.SignatureFileExists*'
            Get-Content "$file.sig" | Should -Be 'keep'
        }

        It 'round-trips through Test-KmsSignature' {
            (Get-Item $file | New-KmsSignature -KeyId $key @kms | Test-KmsSignature -KeyId $key @kms).Status | Should -Be 'Valid'
        }

        It 'writes nothing with -WhatIf' {
            New-KmsSignature -Path $file -KeyId $key -WhatIf @kms
            Test-Path "$file.sig" | Should -BeFalse
        }
    }
}

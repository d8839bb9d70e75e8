#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Pester 5 tests for Test-KmsSignature. Run with: ./build.ps1 -Task Pester (or Invoke-Pester tests/Pester).
# Fixtures under tests/fixtures were made by openssl and node (see tests/fixtures/make-fixtures.sh).

BeforeAll {
    Import-Module "$PSScriptRoot/../../out/KmsSignature/KmsSignature.psd1" -Force
    $fixtures = Join-Path $PSScriptRoot '../fixtures'
    $keys = Join-Path $fixtures 'keys'
    function Get-FixtureToken([string] $Name) { (Get-Content -Raw (Join-Path $fixtures "tokens/$Name")).Trim() }
}

Describe 'Test-KmsSignature' {
    Context 'Tokens (-Token and the pipeline)' {
        It 'verifies a <Name> token made by node' -ForEach @(
            @{ Name = 'es256-p256.jwt' }, @{ Name = 'es384-p384.jwt' }, @{ Name = 'es512-p521.jwt' },
            @{ Name = 'es256k-secp256k1.jwt' }, @{ Name = 'rs256-rsa2048.jwt' }, @{ Name = 'ps512-rsa2048.jwt' },
            @{ Name = 'ed25519-ed25519.jwt' }, @{ Name = 'ml-dsa-44-mldsa44.jwt' }
        ) {
            $result = Get-FixtureToken $Name | Test-KmsSignature -TrustStore $keys
            $result.Status | Should -Be 'Valid'
            $result.IsValid | Should -BeTrue
            $result.Issuer | Should -Be 'https://issuer.example'
        }

        It 'keeps input order and reports each outcome' {
            $tokens = 'es256-p256.jwt', 'es256-expired.jwt', 'es256-unknown-kid.jwt', 'alg-none.jwt' | ForEach-Object { Get-FixtureToken $_ }
            ($tokens | Test-KmsSignature -TrustStore $keys).Status |
                Should -Be @('Valid', 'Expired', 'UntrustedKey', 'AlgorithmNotAllowed')
        }

        It 'reads tokens from a file with Get-Content, ignoring surrounding whitespace' {
            $file = Join-Path $TestDrive 'tokens.txt'
            Set-Content -Path $file -Value @("  $(Get-FixtureToken 'es256-p256.jwt')  ", "`t$(Get-FixtureToken 'rs256-rsa2048.jwt')")
            Get-Content $file | Test-KmsSignature -TrustStore $keys -Quiet | Should -BeTrue
        }

        It 'checks issuer and audience' {
            $token = Get-FixtureToken 'es256-p256.jwt'
            (Test-KmsSignature $token -TrustStore $keys -Issuer 'https://issuer.example' -Audience 'kms-signature-tests').Status | Should -Be 'Valid'
            (Test-KmsSignature $token -TrustStore $keys -Audience 'someone-else').Status | Should -Be 'ClaimMismatch'
        }

        It 'verifies at a given time with a clock skew' {
            $token = Get-FixtureToken 'es256-expired.jwt'
            (Test-KmsSignature $token -TrustStore $keys -At ([DateTimeOffset]::FromUnixTimeSeconds(1700003000))).Status | Should -Be 'Valid'
            (Test-KmsSignature $token -TrustStore $keys -At ([DateTimeOffset]::FromUnixTimeSeconds(1700003650)) -ClockSkew ([TimeSpan]::Zero)).Status | Should -Be 'Expired'
        }

        It 'refuses a token without exp only with -RequireExpiration' {
            $ecdsa = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $b64 = { param([byte[]] $Bytes) [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
            $signingInput = (& $b64 ([Text.Encoding]::UTF8.GetBytes('{"alg":"ES256"}'))) + '.' + (& $b64 ([Text.Encoding]::UTF8.GetBytes('{"sub":"forever"}')))
            $signature = $ecdsa.SignData([Text.Encoding]::ASCII.GetBytes($signingInput), [System.Security.Cryptography.HashAlgorithmName]::SHA256)
            $token = "$signingInput.$(& $b64 $signature)"
            $pem = $ecdsa.ExportSubjectPublicKeyInfoPem()

            (Test-KmsSignature $token -PublicKey $pem).Status | Should -Be 'Valid'
            $strict = Test-KmsSignature $token -PublicKey $pem -RequireExpiration
            $strict.Status | Should -Be 'ClaimMismatch'
            $strict.Reason | Should -Be 'the token has no exp claim'
            (Test-KmsSignature (Get-FixtureToken 'es256-p256.jwt') -TrustStore $keys -RequireExpiration).Status | Should -Be 'Valid'
        }

        It 'accepts a DER ECDSA signature only with -AllowDerSignature' {
            $token = Get-FixtureToken 'es256-der-signature.jwt'
            (Test-KmsSignature $token -TrustStore $keys).Status | Should -Be 'InvalidSignature'
            $lenient = Test-KmsSignature $token -TrustStore $keys -AllowDerSignature
            $lenient.Status | Should -Be 'Valid'
            $lenient.DerSignature | Should -BeTrue
        }

        It 'rejects <Name> with <Status>' -ForEach @(
            @{ Name = 'hs256-rsa-public-key.jwt'; Status = 'AlgorithmNotAllowed' }
            @{ Name = 'rs256-header-on-p256.jwt'; Status = 'AlgorithmNotAllowed' }
            @{ Name = 'es256-crit.jwt'; Status = 'UnsupportedCriticalHeader' }
            @{ Name = 'es256-not-yet-valid.jwt'; Status = 'NotYetValid' }
        ) {
            (Get-FixtureToken $Name | Test-KmsSignature -TrustStore $keys).Status | Should -Be $Status
        }

        It 'reports malformed input as a result: <Token>' -ForEach @(
            @{ Token = '' }, @{ Token = 'a.b' }, @{ Token = 'a.b.c.d' }, @{ Token = 'not base64!.e30.' }
        ) {
            (Test-KmsSignature -Token $Token -TrustStore $keys).Status | Should -Be 'Malformed'
        }
    }

    Context 'Files (-Path, -LiteralPath and Get-ChildItem)' {
        BeforeAll {
            Copy-Item (Join-Path $fixtures 'files/message.txt') $TestDrive
            Copy-Item (Join-Path $fixtures 'files/message.txt.sig') $TestDrive
            Copy-Item (Join-Path $fixtures 'files/large.bin') $TestDrive
            Copy-Item (Join-Path $fixtures 'files/large.bin.p256.der.sig') (Join-Path $TestDrive 'large.bin.sig')
        }

        It 'verifies files piped from Get-ChildItem against the .sig next to each' {
            $results = Get-ChildItem $TestDrive -File | Where-Object Extension -NE '.sig' | Test-KmsSignature -PublicKey (Join-Path $keys 'p256.pem')
            $results.Status | Should -Be @('Valid', 'Valid')
        }

        It 'takes the file and its own signature path from CSV rows' {
            Copy-Item (Join-Path $TestDrive 'message.txt.sig') (Join-Path $TestDrive 'elsewhere.sig')
            $csv = Join-Path $TestDrive 'manifest.csv'
            [pscustomobject]@{ LiteralPath = (Join-Path $TestDrive 'message.txt'); SignaturePath = (Join-Path $TestDrive 'elsewhere.sig') } |
                Export-Csv -Path $csv -NoTypeInformation
            $result = Import-Csv $csv | Test-KmsSignature -PublicKey (Join-Path $keys 'p256.pem')
            $result.Status | Should -Be 'Valid'
            $result.SignaturePath | Should -Be (Join-Path $TestDrive 'elsewhere.sig')
        }

        It 'writes KmsSignature.InputNotRecognized for piped objects that are neither tokens nor files' {
            $null = 42, @{ Token = 'x' } | Test-KmsSignature -PublicKey (Join-Path $keys 'p256.pem') -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors.Count | Should -Be 2
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'KmsSignature.InputNotRecognized*'
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errors[0].TargetObject | Should -Be 42
            $errors[1].FullyQualifiedErrorId | Should -BeLike 'KmsSignature.InputNotRecognized*'
        }

        It 'resolves wildcards with -Path' {
            (Test-KmsSignature -Path (Join-Path $TestDrive '*.txt') -PublicKey (Join-Path $keys 'p256.pem')).Status | Should -Be 'Valid'
        }

        It 'writes a non-terminating KmsSignature.SignatureFileNotFound error for a file without signature' {
            $lonely = Join-Path $TestDrive 'lonely.txt'
            Set-Content $lonely 'no signature'
            $null = Test-KmsSignature -LiteralPath $lonely -PublicKey (Join-Path $keys 'p256.pem') -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'KmsSignature.SignatureFileNotFound*'
            $errors[0].TargetObject | Should -Be "$lonely.sig"
        }

        It 'verifies openssl RSA-PSS signatures with -Algorithm and -SignaturePath' {
            $result = Test-KmsSignature -LiteralPath (Join-Path $fixtures 'files/message.txt') `
                -SignaturePath (Join-Path $fixtures 'files/message.txt.rsa2048.pss-sha256.sig') `
                -PublicKey (Join-Path $keys 'rsa2048.pem') -Algorithm RSASSA_PSS_SHA_256
            $result.Status | Should -Be 'Valid'
        }

        It 'reports a tampered file as InvalidSignature' {
            Add-Content (Join-Path $TestDrive 'message.txt') 'tampered'
            (Test-KmsSignature -LiteralPath (Join-Path $TestDrive 'message.txt') -PublicKey (Join-Path $keys 'p256.pem')).Status |
                Should -Be 'InvalidSignature'
        }
    }

    Context 'Message and signature bytes' {
        It 'verifies bytes and a precomputed digest' {
            $message = [IO.File]::ReadAllBytes((Join-Path $fixtures 'files/message.txt'))
            $signature = [IO.File]::ReadAllBytes((Join-Path $fixtures 'files/message.txt.p256.der.sig'))
            (Test-KmsSignature -Message $message -Signature $signature -PublicKey (Join-Path $keys 'p256.pem')).IsValid | Should -BeTrue
            $digest = [Security.Cryptography.SHA256]::HashData($message)
            (Test-KmsSignature -Message $digest -Signature $signature -PublicKey (Join-Path $keys 'p256.pem') -MessageType Digest).IsValid | Should -BeTrue
        }
    }

    Context 'Key sources' {
        It 'refuses a private key without echoing it' {
            $pem = Get-Content -Raw (Join-Path $fixtures 'bad/private-key.pem')
            $err = { Test-KmsSignature -Token 'a.b.c' -PublicKey $pem } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'KmsSignature.PrivateKeyNotAllowed*'
            $err.Exception.Message | Should -Not -Match ([regex]::Escape(($pem -split "`n")[1]))
        }

        It 'refuses <File> with <ErrorId>' -ForEach @(
            @{ File = 'bad/certificate.pem'; ErrorId = 'KmsSignature.CertificateNotSupported' }
            @{ File = 'bad/p224.pem'; ErrorId = 'KmsSignature.UnsupportedKeyType' }
            @{ File = 'bad/x25519.pem'; ErrorId = 'KmsSignature.UnsupportedKeyType' }
            @{ File = 'bad/garbage.bin'; ErrorId = 'KmsSignature.InvalidPublicKey' }
        ) {
            { Test-KmsSignature -Token 'a.b.c' -PublicKey (Join-Path $fixtures $File) } |
                Should -Throw -ErrorId "$ErrorId,KmsSignature.Cmdlets.TestKmsSignatureCommand"
        }

        It 'accepts a key object with a Pem property' {
            $key = [pscustomobject]@{ KeyId = 'p256'; Pem = Get-Content -Raw (Join-Path $keys 'p256.pem') }
            (Test-KmsSignature (Get-FixtureToken 'es256-p256.jwt') -PublicKey $key).Status | Should -Be 'Valid'
        }

        It 'rejects a malformed -KeyId before looking for AWS settings' {
            { Test-KmsSignature -Token (Get-FixtureToken 'es256-p256.jwt') -KeyId 'not a key' } |
                Should -Throw -ErrorId 'KmsSignature.InvalidKeyIdentifier,KmsSignature.Cmdlets.TestKmsSignatureCommand'
        }
    }
}

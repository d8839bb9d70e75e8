#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the KmsSignature module.
.DESCRIPTION
    Build   : dotnet build; the importable module is assembled at out/KmsSignature/.
    Test    : dotnet test KmsSignature.sln (xunit: Core, LocalKms and hosted-PowerShell module tests).
    Pester  : runs tests/Pester/*.Tests.ps1 with Pester 5 against out/KmsSignature (installs nothing:
              Install-Module Pester -MinimumVersion 5.5 first).
    Package : builds Release and writes out/KmsSignature.<version>.nupkg with Publish-PSResource's
              layout (Compress-PSResource when PSResourceGet is present, otherwise a zip of the module).
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Pester
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Package')]
    [string[]] $Task = @('Build', 'Test'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out' 'KmsSignature'

function Invoke-Dotnet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

foreach ($step in $Task) {
    Write-Host "== $step ($Configuration)" -ForegroundColor Cyan
    switch ($step) {
        'Build' {
            Invoke-Dotnet build (Join-Path $root 'KmsSignature.sln') -c $Configuration
            Test-ModuleManifest -Path (Join-Path $moduleDir 'KmsSignature.psd1') | Out-Null
        }
        'Test' {
            Invoke-Dotnet test (Join-Path $root 'KmsSignature.sln') -c $Configuration
        }
        'Pester' {
            $pester = Get-Module Pester -ListAvailable | Where-Object Version -GE '5.5.0' | Select-Object -First 1
            if (-not $pester) { throw 'Pester 5.5 or later is required: Install-Module Pester -MinimumVersion 5.5 -Scope CurrentUser' }
            Import-Module $pester
            if (-not (Test-Path (Join-Path $moduleDir 'KmsSignature.psd1'))) {
                Invoke-Dotnet build (Join-Path $root 'KmsSignature.sln') -c $Configuration
            }
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests' 'Pester'
            $config.Run.Exit = $true
            $config.Output.Verbosity = 'Detailed'
            Invoke-Pester -Configuration $config
        }
        'Package' {
            Invoke-Dotnet build (Join-Path $root 'KmsSignature.sln') -c Release
            $manifest = Test-ModuleManifest -Path (Join-Path $moduleDir 'KmsSignature.psd1')
            $destination = Join-Path $root 'out'
            if (Get-Command Compress-PSResource -ErrorAction SilentlyContinue) {
                Compress-PSResource -Path $moduleDir -DestinationPath $destination
            }
            else {
                $zip = Join-Path $destination "KmsSignature.$($manifest.Version).zip"
                Compress-Archive -Path $moduleDir -DestinationPath $zip -Force
                Write-Host "Wrote $zip"
            }
        }
    }
}

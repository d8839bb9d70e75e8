using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// What "Get-Help &lt;name&gt; -Full is useful" means, checked through Get-Help itself in a session:
/// a written (not auto-generated) synopsis, at least one example, a description for every parameter
/// except the common ones (-WhatIf and -Confirm included), no documented parameter the command lacks,
/// one syntax block per parameter set with that set's parameters, and the default values a cmdlet sets.
/// </summary>
internal static class HelpAudit
{
    // The hosted engine has only the Core cmdlets: no Sort-Object, so names are sorted with [Array]::Sort.
    private const string Script = """
        param([string] $Name)
        $problems = [System.Collections.Generic.List[string]]::new()
        $command = Get-Command -Name $Name -ErrorAction Stop
        $help = Get-Help -Name $Name -Full -ErrorAction Stop
        $common = [System.Management.Automation.Cmdlet]::CommonParameters

        function Get-SortedKey([string[]] $Names) {
            $list = [string[]]@($Names | Where-Object { $_ -and $common -notcontains $_ })
            [Array]::Sort($list, [StringComparer]::OrdinalIgnoreCase)
            $list -join ','
        }

        # Without help, Get-Help makes the synopsis from the syntax lines (Get-Command -Syntax).
        $synopsis = ("$($help.Synopsis)" -replace '\s+', ' ').Trim()
        $syntax = ("$(Get-Command -Name $Name -Syntax)" -replace '\s+', ' ').Trim()
        if (-not $synopsis -or $synopsis -eq $syntax -or $synopsis.Contains('[<CommonParameters>]')) {
            $problems.Add("the synopsis is missing or auto-generated: '$synopsis'")
        }

        if (@($help.examples.example | Where-Object { $_ }).Count -eq 0) {
            $problems.Add('there is no example')
        }

        $described = @{}
        foreach ($parameter in @($help.parameters.parameter | Where-Object { $_ })) {
            $described[[string]$parameter.name] = (@($parameter.description | Where-Object { $_ } | ForEach-Object { $_.Text }) -join ' ').Trim()
        }

        foreach ($parameter in $command.Parameters.Keys) {
            if ($common -notcontains $parameter -and -not $described[$parameter]) {
                $problems.Add("-$parameter has no description")
            }
        }

        foreach ($parameter in $described.Keys) {
            if (-not $command.Parameters.ContainsKey($parameter)) {
                $problems.Add("the help describes -$parameter, which the command does not have")
            }
        }

        $actual = @($command.ParameterSets | ForEach-Object { Get-SortedKey @($_.Parameters | ForEach-Object { $_.Name }) })
        $shown = @($help.syntax.syntaxItem | Where-Object { $_ } | ForEach-Object { Get-SortedKey @($_.parameter | ForEach-Object { [string]$_.name }) })
        foreach ($set in $actual) {
            if ($shown -notcontains $set) {
                $problems.Add("no syntax block shows the parameter set ($set); the help shows: $($shown -join ' | ')")
            }
        }

        if ($shown.Count -ne $actual.Count) {
            $problems.Add("the help shows $($shown.Count) syntax block(s) for $($actual.Count) parameter set(s)")
        }

        # Each parameter as the syntax block of its set shows it: type, Required, Position, pipeline input, aliases,
        # wildcards and accepted values must be what the command declares (what binding and tab completion do).
        $items = @($help.syntax.syntaxItem | Where-Object { $_ })
        foreach ($set in $command.ParameterSets) {
            $key = Get-SortedKey @($set.Parameters | ForEach-Object { $_.Name })
            $item = @($items | Where-Object { (Get-SortedKey @($_.parameter | ForEach-Object { [string]$_.name })) -eq $key })[0]
            if (-not $item) { continue }
            foreach ($actualParameter in $set.Parameters) {
                if ($common -contains $actualParameter.Name) { continue }
                $shownParameter = @($item.parameter | Where-Object { [string]$_.name -eq $actualParameter.Name })[0]
                $where = "-$($actualParameter.Name) (set $($set.Name))"

                $type = $actualParameter.ParameterType
                if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GetGenericArguments()[0] }
                $shownType = [string]$shownParameter.type.name
                if ($shownType -ne $type.Name -and $shownType -ne $type.FullName) {
                    $problems.Add("$where is documented as type '$shownType'; the command takes $($type.FullName)")
                }

                $required = [string]$shownParameter.required -eq 'true'
                if ($required -ne $actualParameter.IsMandatory) {
                    $problems.Add("$where is documented Required: $required; the command says $($actualParameter.IsMandatory)")
                }

                $position = if ($actualParameter.Position -lt 0) { 'named' } else { [string]$actualParameter.Position }
                if ([string]$shownParameter.position -ne $position) {
                    $problems.Add("$where is documented at Position $($shownParameter.position); the command has it at $position")
                }

                $pipeline = [string]$shownParameter.pipelineInput
                $byValue = $pipeline -match 'ByValue'
                $byName = $pipeline -match 'ByPropertyName'
                if ($byValue -ne $actualParameter.ValueFromPipeline -or $byName -ne $actualParameter.ValueFromPipelineByPropertyName) {
                    $problems.Add("$where is documented with pipeline input '$pipeline'; the command takes ByValue $($actualParameter.ValueFromPipeline), ByPropertyName $($actualParameter.ValueFromPipelineByPropertyName)")
                }

                $shownAliases = [string]$shownParameter.aliases
                $shownAliases = if ($shownAliases -eq 'none') { '' } else { Get-SortedKey @($shownAliases -split ',\s*') }
                $aliases = Get-SortedKey @($actualParameter.Aliases)
                if ($shownAliases -ne $aliases) {
                    $problems.Add("$where is documented with aliases '$shownAliases'; the command has '$aliases'")
                }

                $wildcards = [string]$shownParameter.globbing -eq 'true'
                $supportsWildcards = @($actualParameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
                if ($wildcards -ne $supportsWildcards) {
                    $problems.Add("$where is documented Accept wildcard characters: $wildcards; the command says $supportsWildcards")
                }

                $validateSet = @($actualParameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })[0]
                $values = if ($validateSet) { Get-SortedKey @($validateSet.ValidValues) } else { '' }
                $shownValues = Get-SortedKey @($shownParameter.parameterValueGroup.parameterValue | Where-Object { $_ } | ForEach-Object { "$_".Trim() })
                if ($shownValues -ne $values) {
                    $problems.Add("$where is documented with accepted values '$shownValues'; the command accepts '$values'")
                }
            }
        }

        # A default the command sets (a property initializer) is the one the help states; a default the help describes
        # in words ('<file>.sig', 'Now') is computed when the parameter is left out, and the property holds nothing.
        if ($command.ImplementingType) {
            $fresh = [Activator]::CreateInstance($command.ImplementingType)
            foreach ($parameter in @($help.parameters.parameter | Where-Object { $_ })) {
                $property = $command.ImplementingType.GetProperty([string]$parameter.name)
                if (-not $property) { continue }
                $value = $property.GetValue($fresh)
                if ($null -eq $value -or $value -is [System.Management.Automation.SwitchParameter] -or ($value -is [Array] -and $value.Length -eq 0) -or "$value" -eq '' -or
                    ($value.GetType().IsValueType -and $value.Equals([Activator]::CreateInstance($value.GetType())))) { continue }
                $shownDefault = ([string]$parameter.defaultValue).Trim()
                if ($shownDefault -ne "$value") {
                    $problems.Add("-$($parameter.name) is documented with default value '$shownDefault'; the command's default is '$value'")
                }
            }
        }

        $problems
        """;

    // An example covers a parameter set when the parameters it binds (positional ones included) are all in that set
    // and every mandatory parameter of the set is bound, or, when the example pipes into the command, takes pipeline input.
    private const string ExampleCoverageScript = """
        param([string] $Name)
        $command = Get-Command -Name $Name -ErrorAction Stop
        $help = Get-Help -Name $Name -Full -ErrorAction Stop
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $covered = @{}
        foreach ($example in @($help.examples.example | Where-Object { $_ })) {
            $code = ([string]$example.code -split "`n" | ForEach-Object { $_ -replace '^\s*PS>\s?', '' }) -join "`n"
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$null, [ref]$null)
            $calls = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq $Name }, $true)
            foreach ($call in $calls) {
                $piped = $call.Parent -is [System.Management.Automation.Language.PipelineAst] -and $call.Parent.PipelineElements.IndexOf($call) -gt 0
                $bound = @([System.Management.Automation.Language.StaticParameterBinder]::BindCommand($call, $true).BoundParameters.Keys |
                    ForEach-Object { $command.ResolveParameter($_).Name })
                foreach ($set in $command.ParameterSets) {
                    $names = @($set.Parameters | ForEach-Object { $_.Name })
                    if (@($bound | Where-Object { $names -notcontains $_ }).Count) { continue }
                    $missing = @($set.Parameters | Where-Object {
                        $_.IsMandatory -and $bound -notcontains $_.Name -and -not ($piped -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName)) })
                    if (-not $missing.Count) { $covered[$set.Name] = $true }
                }
            }
        }

        $command.ParameterSets | Where-Object { -not $covered[$_.Name] } | ForEach-Object { $_.Name }
        """;

    public static IReadOnlyList<string> ParameterSetsWithoutExample(PowerShellSession session, string name) =>
        session.Run("& {\n" + ExampleCoverageScript + "\n} $auditName",
                new Dictionary<string, object?> { ["auditName"] = name })
            .AssertSuccess().Output.Select(o => $"{name}: no example uses the parameter set {o}").ToList();

    public static IReadOnlyList<string> Problems(PowerShellSession session, string name) =>
        session.Run("& {\n" + Script + "\n} $auditName",
                new Dictionary<string, object?> { ["auditName"] = name })
            .AssertSuccess().Output.Select(o => $"{name}: {o}").ToList();
}

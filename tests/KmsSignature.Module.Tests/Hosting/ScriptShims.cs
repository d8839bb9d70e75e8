namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// Stand-ins, as script functions, for the cmdlets documented examples use and the hosted engine lacks (it has only the
/// Core cmdlets): just enough of each to run the README tour and the cmdlet docs' examples as written. Paths are
/// relative to PowerShell's location, as the real cmdlets' are.
/// </summary>
internal static class ScriptShims
{
    /// <summary>Resolve-ShimPath, Get-Content, Set-Content, Import-Csv, Get-ChildItem (-File; no -Exclude, which with -File returns nothing in pwsh: PowerShell/PowerShell#16695) and New-TimeSpan (-Minutes, -Seconds).</summary>
    public const string FileCmdlets = """
        function Resolve-ShimPath([string] $Path) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path) }
        function Get-Content([string] $Path) { [IO.File]::ReadAllLines((Resolve-ShimPath $Path)) }
        function Set-Content {
            param([Parameter(Position = 0)] [string] $Path, [Parameter(ValueFromPipeline)] [object] $Value)
            begin { $lines = [System.Collections.Generic.List[string]]::new() }
            process { $lines.Add([string]$Value) }
            end { [IO.File]::WriteAllLines((Resolve-ShimPath $Path), $lines) }
        }
        function Import-Csv([string] $Path) {
            $lines = [IO.File]::ReadAllLines((Resolve-ShimPath $Path))
            $names = $lines[0].Split(',')
            foreach ($line in $lines[1..($lines.Count - 1)]) {
                $row = [ordered]@{}
                $values = $line.Split(',')
                for ($i = 0; $i -lt $names.Count; $i++) { $row[$names[$i]] = $values[$i] }
                [pscustomobject]$row
            }
        }
        function Get-ChildItem([string] $Path, [switch] $File) { [IO.DirectoryInfo]::new((Resolve-ShimPath $Path)).GetFiles() }
        function New-TimeSpan([int] $Minutes, [int] $Seconds) { [TimeSpan]::new(0, $Minutes, $Seconds) }
        """;
}

using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>The module as built at out/KmsSignature imports cleanly, its manifest is valid, and the repository's scripts and docs call it with parameters it has.</summary>
public sealed class ModuleManifestTests
{
    [Fact]
    public void Built_manifest_passes_Test_ModuleManifest()
    {
        using var session = new PowerShellSession(importModule: false);
        var result = session.Run("Test-ModuleManifest -Path $path -ErrorAction Stop",
            new Dictionary<string, object?> { ["path"] = RepoPaths.ModuleManifest }).AssertSuccess();

        var module = Assert.Single(result.Output);
        Assert.Equal("KmsSignature", module.Properties["Name"].Value);
        Assert.Equal(new Version(7, 4), module.Properties["PowerShellVersion"].Value);
    }

    [Fact]
    public void Import_exports_exactly_the_cmdlets_the_manifest_lists()
    {
        using var session = new PowerShellSession();
        var exported = session.Run("(Get-Module KmsSignature).ExportedCmdlets.Keys").AssertSuccess()
            .Output.Select(o => o.BaseObject.ToString()).Order().ToArray();
        var listed = session.Run("(Test-ModuleManifest -Path $path).ExportedCmdlets.Keys",
                new Dictionary<string, object?> { ["path"] = RepoPaths.ModuleManifest }).AssertSuccess()
            .Output.Select(o => o.BaseObject.ToString()).Order().ToArray();

        Assert.Equal(listed, exported);
    }

    [Fact]
    public void Core_assembly_loads_into_the_private_load_context()
    {
        using var session = new PowerShellSession();
        var contexts = session.Run(
            "[System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'KmsSignature.Core' } | " +
            "ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }").AssertSuccess();
        // Core may not be loaded until a cmdlet runs; when it is, it must not be in the default context.
        Assert.All(contexts.Output, c => Assert.Equal("KmsSignature", c.BaseObject));
    }

    public static TheoryData<string> RepositoryScripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in ScriptFiles())
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        return data;
    }

    private static IEnumerable<string> ScriptFiles() =>
        Directory.EnumerateFiles(RepoPaths.Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".ps1") || f.EndsWith(".psm1") || f.EndsWith(".psd1"))
            .Where(f => !IsBuildOutput(f));

    [Theory]
    [MemberData(nameof(RepositoryScripts))]
    public void Repository_script_parses_without_errors(string relativePath)
    {
        Parser.ParseFile(Path.Combine(RepoPaths.Root, relativePath), out _, out var errors);
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}")));
    }

    // Not every line of the repository's scripts and docs runs in a test (help examples against a real account, the
    // build script's other tasks); binding each of their calls of this module's cmdlets against the imported cmdlets
    // catches a renamed or removed parameter, an ambiguous abbreviation or a value for a switch, which parsing does not.
    [Fact]
    public void Every_call_of_a_module_cmdlet_in_the_repository_scripts_binds_to_its_parameters()
    {
        using var session = new PowerShellSession();
        // Scripts, and the PowerShell code blocks of the docs (the cmdlets' help examples come from those).
        var scripts = ScriptFiles().Select(f => (Name: f, Text: File.ReadAllText(f)))
            .Concat(DocsCodeBlocks())
            .Select(s => new PSObject(new { s.Name, s.Text })).ToArray();
        var result = session.Run(
            """
            $names = (Get-Module KmsSignature).ExportedCmdlets.Keys
            foreach ($script in $scripts) {
                $ast = [System.Management.Automation.Language.Parser]::ParseInput($script.Text, [ref]$null, [ref]$null)
                $calls = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -in $names }, $true)
                foreach ($call in $calls) {
                    $binding = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($call, $true)
                    # Splatted hashtables are only known at run time; the binder takes them for positional arguments.
                    foreach ($failure in $binding.BindingExceptions.Values | Where-Object { -not $_.CommandElement.Splatted }) {
                        '{0}:{1}: {2}' -f $script.Name, $call.Extent.StartLineNumber, $failure.BindingException.Message
                    }
                    [pscustomobject]@{ Call = $call.GetCommandName() }
                }
            }
            """,
            new Dictionary<string, object?> { ["scripts"] = scripts }).AssertSuccess();

        var failures = result.Output.Select(o => o.BaseObject).OfType<string>().ToList();
        var calls = result.Output.Where(o => o.BaseObject is PSCustomObject).Select(o => (string)o.Properties["Call"].Value).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Every cmdlet is called somewhere, so each was bound at least once.
        Assert.Equal(session.Run("(Get-Module KmsSignature).ExportedCmdlets.Keys").Output.Select(o => o.BaseObject.ToString()).Order(),
            calls.Distinct().Order());
    }

    // Each ```powershell block of docs/*.md, named by its file and the line the block starts on.
    private static IEnumerable<(string Name, string Text)> DocsCodeBlocks()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md"))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```powershell")
                {
                    continue;
                }

                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                // Help examples show the prompt ("PS> Get-KmsSigningKey ..."), which would parse as a command named PS
                // redirected to a file named after the cmdlet: without it, the cmdlet's call is bound like any other.
                var code = lines[(i + 1)..end].Select(l => l.StartsWith("PS> ", StringComparison.Ordinal) ? l[4..] : l);
                yield return ($"{file} (block at line {i + 1})", string.Join("\n", code));
                i = end;
            }
        }
    }

    private static bool IsBuildOutput(string path)
    {
        var relative = Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/');
        return relative.StartsWith("out/") || relative.Contains("/bin/") || relative.Contains("/obj/")
            || relative.Contains("node_modules/") || relative.StartsWith(".git/");
    }
}

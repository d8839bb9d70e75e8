using KmsSignature.Build;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>
/// Get-Help is useful for every exported cmdlet, each has its docs/&lt;Name&gt;.md, and the about topic
/// is found. The per-cmdlet checks cover whatever the module exports, so they hold while no cmdlet has
/// landed and check each one as it does. The audit itself is proven on a command whose help the
/// converter made (it passes) and on one without help (it fails).
/// </summary>
public sealed class CmdletHelpTests
{
    private static IReadOnlyList<string> ExportedCmdlets(PowerShellSession session) =>
        session.Run("(Get-Module KmsSignature).ExportedCmdlets.Keys").AssertSuccess()
            .Output.Select(o => o.BaseObject.ToString()!).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Every_exported_cmdlet_has_full_help()
    {
        using var session = new PowerShellSession();
        var problems = ExportedCmdlets(session).SelectMany(name => HelpAudit.Problems(session, name)).ToList();
        Assert.True(problems.Count == 0, "Get-Help -Full is incomplete (write docs/<Name>.md as docs/README.md says):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Every_parameter_set_of_every_exported_cmdlet_has_an_example()
    {
        using var session = new PowerShellSession();
        var problems = ExportedCmdlets(session).SelectMany(name => HelpAudit.ParameterSetsWithoutExample(session, name)).ToList();
        Assert.True(problems.Count == 0, "Add an example to docs/<Name>.md that uses the set:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Example_audit_flags_the_parameter_set_that_no_example_uses()
    {
        // Example 1 pipes tokens with -PublicKey (Token set), Example 2 pipes files by PSPath (LiteralPath); none uses -Path.
        using var module = SampleModule.Create(withHelp: true);
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        Assert.Equal(["Sample-Cmdlet: no example uses the parameter set Path"], HelpAudit.ParameterSetsWithoutExample(session, "Sample-Cmdlet"));
    }

    [Fact]
    public void Every_exported_cmdlet_has_its_doc()
    {
        using var session = new PowerShellSession();
        var missing = ExportedCmdlets(session)
            .Where(name => !File.Exists(Path.Combine(RepoPaths.Root, "docs", name + ".md")))
            .ToList();
        Assert.True(missing.Count == 0, "No docs/<Name>.md for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_cmdlet_doc_names_an_exported_cmdlet()
    {
        using var session = new PowerShellSession();
        var exported = ExportedCmdlets(session);
        var stale = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*-*.md")
            .Where(path => MamlHelpConverter.ExternalHelpFile(path, File.ReadAllText(path)) == "KmsSignature.Cmdlets.dll-Help.xml")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => !exported.Contains(name!, StringComparer.OrdinalIgnoreCase))
            .ToList();
        Assert.True(stale.Count == 0, "docs for cmdlets the module does not export (renamed, or missing from CmdletsToExport): " + string.Join(", ", stale));
    }

    [Fact]
    public void Get_Help_Online_opens_each_cmdlets_own_doc()
    {
        // Get-Help -Online opens the first related link that has a URI: the doc's "online version", else whatever link
        // comes first (an RFC, say).
        using var session = new PowerShellSession();
        var wrong = ExportedCmdlets(session)
            .Select(name => (Name: name, Uri: session.Run(
                    "@((Get-Help $n -Full).relatedLinks.navigationLink | Where-Object { $_.uri })[0].uri",
                    new Dictionary<string, object?> { ["n"] = name }).AssertSuccess().Output.SingleOrDefault()?.ToString()))
            .Where(link => link.Uri is null || !link.Uri.EndsWith("/docs/" + link.Name + ".md", StringComparison.Ordinal))
            .Select(link => $"{link.Name}: {link.Uri ?? "(no link)"}")
            .ToList();
        Assert.True(wrong.Count == 0, "Get-Help -Online does not open the cmdlet's doc (set 'online version' in its front matter):\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Help_file_is_in_the_module_where_PowerShell_looks_for_it()
    {
        // The root module is KmsSignature.Cmdlets.dll, so Get-Help reads en-US/KmsSignature.Cmdlets.dll-Help.xml.
        var helpFile = Path.Combine(RepoPaths.ModuleDirectory, "en-US", "KmsSignature.Cmdlets.dll-Help.xml");
        Assert.True(File.Exists(helpFile), helpFile + " was not built");
        var root = System.Xml.Linq.XDocument.Load(helpFile).Root!;
        Assert.Equal("maml", root.Attribute("schema")?.Value);

        using var session = new PowerShellSession();
        var documented = root.Elements().Select(c => c.Descendants().First(e => e.Name.LocalName == "name").Value).ToList();
        Assert.All(ExportedCmdlets(session).Where(name => File.Exists(Path.Combine(RepoPaths.Root, "docs", name + ".md"))),
            name => Assert.Contains(name, documented));
    }

    [Fact]
    public void About_topic_is_found_by_Get_Help()
    {
        using var session = new PowerShellSession();
        var text = string.Join("\n", session.Run("Get-Help about_KmsSignature").AssertSuccess().Output.Select(o => o.ToString()));
        Assert.Contains("about_KmsSignature", text);
        Assert.Contains("SHORT DESCRIPTION", text);
        Assert.Contains("Test-KmsSignature", text);
        Assert.Contains("LocalKms", text);
    }

    [Fact]
    public void Audit_passes_a_command_whose_help_the_converter_made_and_PowerShell_reads_it()
    {
        using var module = SampleModule.Create(withHelp: true);
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        Assert.Empty(HelpAudit.Problems(session, "Sample-Cmdlet"));

        var facts = session.Run("""
            $help = Get-Help Sample-Cmdlet -Full
            $help.Synopsis
            @($help.syntax.syntaxItem).Count
            @($help.examples.example).Count
            (Get-Help Sample-Cmdlet -Parameter Token).pipelineInput
            (Get-Help Sample-Cmdlet -Parameter LiteralPath).aliases
            @($help.inputTypes.inputType)[1].type.name
            @($help.returnValues.returnValue)[0].type.name
            @($help.relatedLinks.navigationLink)[1].linkText
            @($help.alertSet.alert | ForEach-Object { $_.Text.Trim() }) -join ' ~ '
            """).AssertSuccess().Output.Select(o => o.ToString()).ToArray();
        Assert.Equal(
            [
                "Checks sample tokens or files against a public key.", "3", "2", "True (ByValue)", "PSPath",
                "System.IO.FileInfo", "KmsSignature.Sample.Result", "Test-KmsSignature",
            ],
            facts.Take(8));
        Assert.Equal("Sample notes: a failed check is a result, not an error. ~ | Status | Meaning | ~ |---|---| ~ | Valid | the signature checks out |", facts[8]);
    }

    [Fact]
    public void Audit_accepts_a_written_synopsis_that_starts_with_the_commands_name()
    {
        using var module = SampleModule.Create(withHelp: true, editDoc: doc => doc.Replace(
            "Checks sample tokens or files against a public key.", "Sample-Cmdlet checks sample tokens or files.", StringComparison.Ordinal));
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        Assert.Empty(HelpAudit.Problems(session, "Sample-Cmdlet"));
        Assert.Equal("Sample-Cmdlet checks sample tokens or files.",
            session.Run("(Get-Help Sample-Cmdlet).Synopsis").AssertSuccess().Output.Single().ToString());
    }

    [Fact]
    public void Audit_flags_a_command_without_help()
    {
        using var module = SampleModule.Create(withHelp: false);
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        var problems = HelpAudit.Problems(session, "Sample-Cmdlet");
        Assert.Contains(problems, p => p.Contains("synopsis is missing or auto-generated", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("there is no example", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Token has no description", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-WhatIf has no description", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("-Verbose", StringComparison.Ordinal));
    }

    [Fact]
    public void Audit_flags_help_that_disagrees_with_the_command()
    {
        // The command gained -Extra and lost -Quiet since its doc was written.
        using var module = SampleModule.Create(withHelp: true, parameters: SampleModule.Parameters.Replace("[switch] $Quiet", "[switch] $Extra", StringComparison.Ordinal));
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        var problems = HelpAudit.Problems(session, "Sample-Cmdlet");
        Assert.Contains(problems, p => p.Contains("-Extra has no description", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("describes -Quiet, which the command does not have", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no syntax block shows the parameter set", StringComparison.Ordinal));
    }

    [Fact]
    public void Audit_flags_parameter_details_that_disagree_with_the_command()
    {
        // Same parameters and sets as the doc, but each detail the doc states about them changed in the command.
        var parameters = SampleModule.Parameters
            .Replace("[Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'Token')]",
                "[Parameter(Position = 1, ParameterSetName = 'Token')]", StringComparison.Ordinal)
            .Replace("[Alias('Jwt')]", "[Alias('Jws')]", StringComparison.Ordinal)
            .Replace("[SupportsWildcards()]", string.Empty, StringComparison.Ordinal)
            .Replace("[object] $PublicKey", "[string] $PublicKey", StringComparison.Ordinal)
            .Replace("'Pem', 'Jwk', 'Der'", "'Pem', 'Jwk', 'Jwks', 'Der'", StringComparison.Ordinal);
        using var module = SampleModule.Create(withHelp: true, parameters: parameters);
        using var session = new PowerShellSession(importModule: false);
        session.Run("Import-Module $path -DisableNameChecking -ErrorAction Stop", new Dictionary<string, object?> { ["path"] = module.Manifest })
            .AssertSuccess();

        var problems = HelpAudit.Problems(session, "Sample-Cmdlet");
        Assert.Contains(problems, p => p.Contains("-Token (set Token) is documented Required: True", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Token (set Token) is documented at Position 0; the command has it at 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Token (set Token) is documented with pipeline input 'True (ByValue)'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Token (set Token) is documented with aliases 'Jwt'; the command has 'Jws'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Path (set Path) is documented Accept wildcard characters: True", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-PublicKey (set Token) is documented as type 'Object'; the command takes System.String", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("-Format (set Token) is documented with accepted values 'Der,Jwk,Pem'; the command accepts 'Der,Jwk,Jwks,Pem'", StringComparison.Ordinal));
    }

    /// <summary>A script module whose Sample-Cmdlet matches HelpSamples/Sample-Cmdlet.md, with the converter's MAML as its help.</summary>
    private sealed class SampleModule : IDisposable
    {
        public const string Parameters = """
                [Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'Token')]
                [Alias('Jwt')]
                [string[]] $Token,

                [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path')]
                [SupportsWildcards()]
                [string[]] $Path,

                [Parameter(Mandatory, ValueFromPipelineByPropertyName, ParameterSetName = 'LiteralPath')]
                [Alias('PSPath')]
                [string[]] $LiteralPath,

                [Parameter(Mandatory, ParameterSetName = 'Token')]
                [Parameter(ParameterSetName = 'Path')]
                [Parameter(ParameterSetName = 'LiteralPath')]
                [object] $PublicKey,

                [ValidateSet('Pem', 'Jwk', 'Der')]
                [string] $Format = 'Pem',

                [switch] $Quiet
            """;

        private readonly string directory;

        private SampleModule(string directory) => this.directory = directory;

        public string Manifest => Path.Combine(directory, "SampleHelp.psm1");

        public static SampleModule Create(bool withHelp, string parameters = Parameters, Func<string, string>? editDoc = null)
        {
            var directory = Directory.CreateTempSubdirectory("kms-help-").FullName;
            if (withHelp)
            {
                var errors = new List<MamlHelpConverter.DocumentException>();
                var maml = MamlHelpConverter.Convert(
                    [new(MamlHelpConverterTests.SamplePath, (editDoc ?? (t => t))(MamlHelpConverterTests.SampleText))],
                    "KmsSignature.Cmdlets.dll-Help.xml", errors);
                Assert.Empty(errors);
                Directory.CreateDirectory(Path.Combine(directory, "en-US"));
                File.WriteAllText(Path.Combine(directory, "en-US", "SampleHelp-Help.xml"), MamlHelpConverter.ToXmlText(maml));
            }

            File.WriteAllText(Path.Combine(directory, "SampleHelp.psm1"), $$"""
                function Sample-Cmdlet {
                    {{(withHelp ? "# .ExternalHelp SampleHelp-Help.xml" : string.Empty)}}
                    [CmdletBinding(DefaultParameterSetName = 'Token', SupportsShouldProcess)]
                    param(
                {{parameters}}
                    )
                }
                """);
            return new SampleModule(directory);
        }

        public void Dispose() => Directory.Delete(directory, recursive: true);
    }
}

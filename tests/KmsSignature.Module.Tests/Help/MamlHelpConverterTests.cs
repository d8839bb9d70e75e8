using System.Xml.Linq;
using KmsSignature.Build;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Help;

/// <summary>build/MamlHelpConverter.cs on the development sample: every platyPS section lands in its MAML element.</summary>
public sealed class MamlHelpConverterTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    internal static string SamplePath => Path.Combine(RepoPaths.Root, "tests", "KmsSignature.Module.Tests", "HelpSamples", "Sample-Cmdlet.md");

    internal static string SampleText => File.ReadAllText(SamplePath);

    private static XElement Sample => MamlHelpConverter.ConvertCommand(SamplePath, SampleText);

    [Fact]
    public void Details_carry_name_verb_noun_and_synopsis()
    {
        var details = Sample.Element(Command + "details")!;
        Assert.Equal("Sample-Cmdlet", details.Element(Command + "name")!.Value);
        Assert.Equal("Sample", details.Element(Command + "verb")!.Value);
        Assert.Equal("Cmdlet", details.Element(Command + "noun")!.Value);
        Assert.Equal(["Checks sample tokens or files against a public key."], Paras(details.Element(Maml + "description")));
    }

    [Fact]
    public void Description_joins_soft_wrapped_lines_and_keeps_list_items_and_code_apart()
    {
        var paras = Paras(Sample.Element(Maml + "description"));
        Assert.Equal(5, paras.Length);
        Assert.StartsWith("The Sample-Cmdlet cmdlet is the development sample", paras[0]);
        Assert.Contains("three parameter sets, a parameter", paras[0]);
        Assert.Equal("- a list item is a paragraph of its own;", paras[2]);
        Assert.Equal("- so is this one.", paras[3]);
        Assert.Equal("    Sample-Cmdlet -Token $token -PublicKey ./key.pem", paras[4]);
    }

    [Fact]
    public void Syntax_has_one_item_per_parameter_set_in_the_order_SYNTAX_shows()
    {
        var items = Sample.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToArray();
        Assert.Equal(3, items.Length);
        Assert.All(items, i => Assert.Equal("Sample-Cmdlet", i.Element(Maml + "name")!.Value));
        string[] shared = ["PublicKey", "Format", "Quiet", "WhatIf", "Confirm"];
        Assert.Equal(shared.Prepend("Token"), Names(items[0]));
        Assert.Equal(shared.Prepend("Path"), Names(items[1]));
        Assert.Equal(shared.Prepend("LiteralPath"), Names(items[2]));
    }

    [Fact]
    public void A_parameter_with_several_yaml_blocks_takes_each_sets_own_metadata()
    {
        var items = Sample.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToArray();
        Assert.Equal("true", Parameter(items[0], "PublicKey").Attribute("required")!.Value);
        Assert.Equal("false", Parameter(items[1], "PublicKey").Attribute("required")!.Value);
        Assert.Equal("false", Parameter(items[2], "PublicKey").Attribute("required")!.Value);
        Assert.Equal(["The key to check with: PEM text, a path to a key file, or a key object.", "Required for tokens; files may carry their own key."],
            Paras(Parameter(items[1], "PublicKey").Element(Maml + "description")));
    }

    [Fact]
    public void Parameter_attributes_carry_position_pipeline_input_aliases_and_wildcards()
    {
        var parameters = Sample.Element(Command + "parameters")!;
        Assert.Equal(["Token", "Path", "LiteralPath", "PublicKey", "Format", "Quiet", "WhatIf", "Confirm"], Names(parameters));

        var token = Parameter(parameters, "Token");
        Assert.Equal("True (ByValue)", token.Attribute("pipelineInput")!.Value);
        Assert.Equal("0", token.Attribute("position")!.Value);
        Assert.Equal("Jwt", token.Attribute("aliases")!.Value);
        Assert.Equal("true", token.Attribute("required")!.Value);
        Assert.Equal("true", token.Attribute("variableLength")!.Value);
        Assert.Equal("String[]", token.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("String[]", token.Element(Command + "parameterValue")!.Value);

        var literal = Parameter(parameters, "LiteralPath");
        Assert.Equal("True (ByPropertyName)", literal.Attribute("pipelineInput")!.Value);
        Assert.Equal("named", literal.Attribute("position")!.Value);
        Assert.Equal("PSPath", literal.Attribute("aliases")!.Value);

        Assert.Equal("true", Parameter(parameters, "Path").Attribute("globbing")!.Value);
        Assert.Equal("false", token.Attribute("globbing")!.Value);
        Assert.Equal("none", Parameter(parameters, "Format").Attribute("aliases")!.Value);
        Assert.Equal("Pem", Parameter(parameters, "Format").Element(Dev + "defaultValue")!.Value);
    }

    [Fact]
    public void Accepted_values_become_a_value_group_in_syntax_and_switches_show_no_value()
    {
        var syntaxItem = Sample.Element(Command + "syntax")!.Element(Command + "syntaxItem")!;
        var format = Parameter(syntaxItem, "Format");
        Assert.Equal(["Pem", "Jwk", "Der"],
            format.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value));
        Assert.Null(Parameter(syntaxItem, "Quiet").Element(Command + "parameterValue"));

        var parameters = Sample.Element(Command + "parameters")!;
        Assert.Null(Parameter(parameters, "Format").Element(Command + "parameterValueGroup"));
        Assert.Equal("SwitchParameter", Parameter(parameters, "Quiet").Element(Command + "parameterValue")!.Value);
    }

    [Fact]
    public void Inputs_outputs_and_notes_land_in_their_elements()
    {
        var inputs = Sample.Element(Command + "inputTypes")!.Elements(Command + "inputType").ToArray();
        Assert.Equal(["System.String[]", "System.IO.FileInfo"], inputs.Select(TypeName));
        Assert.Equal(["Files, by the PSPath property."], Paras(inputs[1].Element(Maml + "description")));

        var outputs = Sample.Element(Command + "returnValues")!.Elements(Command + "returnValue").ToArray();
        Assert.Equal(["KmsSignature.Sample.Result", "System.Boolean"], outputs.Select(TypeName));
        Assert.Equal(["With -Quiet."], Paras(outputs[1].Element(Maml + "description")));

        Assert.Equal(
            ["Sample notes: a failed check is a result, not an error.", "| Status | Meaning |", "|---|---|", "| Valid | the signature checks out |"],
            Paras(Sample.Element(Maml + "alertSet")!.Element(Maml + "alert")));
    }

    [Fact]
    public void Examples_have_title_code_and_remarks()
    {
        var examples = Sample.Element(Command + "examples")!.Elements(Command + "example").ToArray();
        Assert.Equal(2, examples.Length);
        Assert.Contains("Example 1: Check piped tokens", examples[0].Element(Maml + "title")!.Value);
        Assert.Equal("PS> Get-Content tokens.txt | Sample-Cmdlet -PublicKey ./signer.pem", examples[0].Element(Dev + "code")!.Value);
        Assert.Equal(["Each line of tokens.txt is checked against the key in signer.pem."], Paras(examples[0].Element(Dev + "remarks")));

        var code = examples[1].Element(Dev + "code")!.Value;
        Assert.StartsWith("PS> Get-ChildItem *.zip | Sample-Cmdlet -Format Jwk\n\nPath        Status", code);
        Assert.Equal(["Files arrive by property name (PSPath). The remark continues on a second line."],
            Paras(examples[1].Element(Dev + "remarks")));
    }

    [Fact]
    public void Related_links_start_with_the_online_version()
    {
        var links = Sample.Element(Maml + "relatedLinks")!.Elements(Maml + "navigationLink")
            .Select(l => (l.Element(Maml + "linkText")!.Value, l.Element(Maml + "uri")!.Value)).ToArray();
        Assert.Equal(
            [
                ("Online Version:", "https://github.com/kmssignature/KmsSignature/blob/main/docs/Sample-Cmdlet.md"),
                ("Test-KmsSignature", "Test-KmsSignature.md"),
                ("about_KmsSignature", "about_KmsSignature"),
            ],
            links);
    }

    [Fact]
    public void Help_items_document_is_maml_and_round_trips_through_its_text()
    {
        var errors = new List<MamlHelpConverter.DocumentException>();
        var document = MamlHelpConverter.Convert([new(SamplePath, SampleText)], "KmsSignature.Cmdlets.dll-Help.xml", errors);
        Assert.Empty(errors);

        var reparsed = XDocument.Parse(MamlHelpConverter.ToXmlText(document));
        var root = reparsed.Root!;
        Assert.Equal(XName.Get("helpItems", "http://msh"), root.Name);
        Assert.Equal("maml", root.Attribute("schema")!.Value);
        var command = Assert.Single(root.Elements(Command + "command"));
        Assert.Equal("Sample-Cmdlet", command.Element(Command + "details")!.Element(Command + "name")!.Value);
    }

    [Fact]
    public void Docs_for_another_help_file_are_skipped_and_duplicates_are_errors()
    {
        var other = SampleText.Replace("external help file: KmsSignature.Cmdlets.dll-Help.xml", "external help file: Other.psm1-Help.xml");
        var errors = new List<MamlHelpConverter.DocumentException>();
        var skipped = new List<string>();
        var document = MamlHelpConverter.Convert(
            [new("a/Sample-Cmdlet.md", SampleText), new("b/Sample-Cmdlet.md", other)], "KmsSignature.Cmdlets.dll-Help.xml", errors, skipped);
        Assert.Empty(errors);
        Assert.Equal(["b/Sample-Cmdlet.md"], skipped);
        Assert.Single(document.Root!.Elements(Command + "command"));

        MamlHelpConverter.Convert([new("a/Sample-Cmdlet.md", SampleText), new("b/Sample-Cmdlet.md", SampleText)],
            "KmsSignature.Cmdlets.dll-Help.xml", errors);
        var duplicate = Assert.Single(errors);
        Assert.Equal("b/Sample-Cmdlet.md", duplicate.File);
        Assert.Contains("a second doc for Sample-Cmdlet", duplicate.Message);
    }

    [Fact]
    public void A_single_unnamed_parameter_set_needs_no_heading()
    {
        const string text = """
            ---
            external help file: KmsSignature.Cmdlets.dll-Help.xml
            Module Name: KmsSignature
            online version:
            schema: 2.0.0
            ---

            # Get-Thing

            ## SYNOPSIS
            Gets a thing.

            ## SYNTAX

            ```
            Get-Thing [[-Name] <String>] [<CommonParameters>]
            ```

            ## DESCRIPTION
            Gets the thing.

            ## EXAMPLES

            ### Example 1
            ```powershell
            Get-Thing
            ```

            ## PARAMETERS

            ### -Name
            Its name.

            ```yaml
            Type: String
            Parameter Sets: (All)
            Aliases:

            Required: False
            Position: 0
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ### CommonParameters
            This cmdlet supports the common parameters.

            ## INPUTS

            ### None

            ## OUTPUTS

            ### System.Object

            ## NOTES

            ## RELATED LINKS
            """;
        var command = MamlHelpConverter.ConvertCommand("docs/Get-Thing.md", text);
        var item = Assert.Single(command.Element(Command + "syntax")!.Elements(Command + "syntaxItem"));
        Assert.Equal(["Name"], Names(item));
        Assert.Empty(command.Element(Maml + "relatedLinks")!.Elements());
        Assert.Empty(command.Element(Maml + "alertSet")!.Element(Maml + "alert")!.Elements());
        Assert.Equal("None", TypeName(command.Element(Command + "inputTypes")!.Element(Command + "inputType")!));
    }

    [Fact]
    public void Template_in_docs_README_converts_with_the_AWS_parameters_pasted_in()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "README.md"));
        var blocks = readme.Split("````markdown\n").Skip(1).Select(b => b.Substring(0, b.IndexOf("\n````", StringComparison.Ordinal))).ToArray();
        Assert.Equal(2, blocks.Length);
        var template = blocks[0].Split('\n').Where(l => !l.StartsWith("(... -Region", StringComparison.Ordinal));
        var doc = string.Join("\n", template).Replace("### -WhatIf", blocks[1] + "\n\n### -WhatIf", StringComparison.Ordinal);

        var command = MamlHelpConverter.ConvertCommand("docs/Verb-Noun.md", doc);
        Assert.Equal(["KeyId", "Force", "Region", "ProfileName", "ProfileLocation", "Credential", "EndpointUrl", "WhatIf", "Confirm"],
            Names(Assert.Single(command.Element(Command + "syntax")!.Elements(Command + "syntaxItem"))));
        Assert.Equal("AWSProfileName, StoredCredentials", Parameter(command.Element(Command + "parameters")!, "ProfileName").Attribute("aliases")!.Value);
    }

    /// <summary>A broken sample: what to replace, the line the error must point at (by its text), and what the message says.</summary>
    public static TheoryData<string, string, string, string> Malformed() => new()
    {
        { "---\nexternal help file", "external help file", "external help file", "starts with platyPS front matter" },
        { "schema: 2.0.0", "schema: 1.0.0", "schema: 1.0.0", "schema '1.0.0' is not supported" },
        { "# Sample-Cmdlet", "# Other-Cmdlet", "# Other-Cmdlet", "must equal the file name 'Sample-Cmdlet'" },
        { "## SYNOPSIS", "## SYNOPSYS", "## SYNOPSYS", "unknown section '## SYNOPSYS'" },
        { "## NOTES", "## DESCRIPTION", "## DESCRIPTION\nSample notes", "section '## DESCRIPTION' appears twice" },
        { "## SYNOPSIS\nChecks", "## SYNOPSIS\n{{ Fill in the Synopsis }}\nChecks", "{{ Fill in the Synopsis }}", "unfilled platyPS placeholder" },
        { "Accept pipeline input: False\nAccept wildcard characters: True", "Acept pipeline input: False\nAccept wildcard characters: True", "Acept pipeline input", "is not a parameter field" },
        { "Position: 0\nDefault value: None\nAccept pipeline input: True (ByValue)", "Position: first\nDefault value: None\nAccept pipeline input: True (ByValue)", "Position: first", "must be Named or a number" },
        { "Required: True\nPosition: 0\nDefault value: None\nAccept pipeline input: True (ByValue)", "Required: yes\nPosition: 0\nDefault value: None\nAccept pipeline input: True (ByValue)", "Required: yes", "must be True or False" },
        { "Accept pipeline input: True (ByValue)", "Accept pipeline input: Yes", "Accept pipeline input: Yes", "must be False, True (ByValue)" },
        { "Parameter Sets: Token\nAliases: Jwt", "Parameter Sets: Tokens\nAliases: Jwt", "```yaml\nType: String[]\nParameter Sets: Tokens", "names parameter set 'Tokens', which SYNTAX does not show" },
        { "Parameter Sets: Token\nAliases: Jwt", "Parameter Sets: Path\nAliases: Jwt", "```\nSample-Cmdlet [-Token]", "SYNTAX set 'Token' does not match PARAMETERS: shown here but not documented for this set: -Token" },
        { "Sample-Cmdlet [-Path] <String[]> [-PublicKey", "Sample-Cmdlet [-Path] <String[]> [-Bogus] [-PublicKey", "```\nSample-Cmdlet [-Path]", "shown here but not documented for this set: -Bogus" },
        { "### -Quiet\nReturns one Boolean instead of a result per input.\n", "### -Quiet\n", "### -Quiet", "-Quiet has no description" },
        { "The key format.\n\n```yaml", "The key format.\n\n```yml", "### -Format", "-Format has no ```yaml block" },
        { "### Example 1: Check piped tokens\n```powershell\nPS> Get-Content tokens.txt | Sample-Cmdlet -PublicKey ./signer.pem\n```", "### Example 1: Check piped tokens\nJust words.", "### Example 1", "has no ```powershell code block" },
        { "[Test-KmsSignature](Test-KmsSignature.md)", "See also Test-KmsSignature", "See also Test-KmsSignature", "one '[Text](uri)' link per line" },
        { "## RELATED LINKS", "## RELATED LINKS\n\n```powershell\nunclosed", "```powershell\nunclosed", "this code fence is never closed" },
        { "Sample notes: a failed", "### Oops\nSample notes: a failed", "### Oops", "'### ' headings are not allowed in NOTES" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_doc_fails_with_file_line_and_reason(string find, string replace, string lineText, string reason)
    {
        Assert.Contains(find, SampleText);
        var broken = SampleText.Replace(find, replace);
        var error = Assert.Throws<MamlHelpConverter.DocumentException>(() => MamlHelpConverter.ConvertCommand("docs/Sample-Cmdlet.md", broken));
        Assert.Equal("docs/Sample-Cmdlet.md", error.File);
        Assert.Equal(LineOf(broken, lineText), error.Line);
        Assert.Contains(reason, error.Problem);
        Assert.StartsWith($"docs/Sample-Cmdlet.md({error.Line}): ", error.Message);
    }

    [Fact]
    public void ExternalHelpFile_reads_the_front_matter()
    {
        Assert.Equal("KmsSignature.Cmdlets.dll-Help.xml", MamlHelpConverter.ExternalHelpFile(SamplePath, SampleText));
        var error = Assert.Throws<MamlHelpConverter.DocumentException>(() => MamlHelpConverter.ExternalHelpFile("docs/X-Y.md", "# X-Y\n"));
        Assert.Equal(1, error.Line);
    }

    /// <summary>1-based line where <paramref name="text"/> (possibly several lines) starts; the last such place if it recurs before.</summary>
    private static int LineOf(string document, string text)
    {
        var index = document.IndexOf(text, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{text}' is not in the broken doc");
        return document.Substring(0, index).Count(c => c == '\n') + 1;
    }

    private static string[] Paras(XElement? element) =>
        element?.Elements(Maml + "para").Select(p => p.Value).ToArray() ?? [];

    private static IEnumerable<string> Names(XElement container) =>
        container.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value);

    private static XElement Parameter(XElement container, string name) =>
        container.Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == name);

    private static string TypeName(XElement element) => element.Element(Dev + "type")!.Element(Maml + "name")!.Value;
}

// Compiles per-cmdlet markdown (platyPS schema 2.0.0 shape, see docs/README.md) into the MAML help
// file PowerShell reads for binary cmdlets (<module>/en-US/<assembly>-Help.xml).
//
// This one file is compiled twice: by MSBuild's RoslynCodeTaskFactory for build/MamlHelp.targets
// (which takes exactly one source file, hence the task class at the bottom of this file), and by
// tests/KmsSignature.Module.Tests, which defines MAML_HELP_CONVERTER_ONLY because it has no MSBuild
// assemblies. The inline task compiles against netstandard 2.0: no newer BCL APIs, no records, no
// ranges, System.Xml.Linq only.
#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
#if !MAML_HELP_CONVERTER_ONLY
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace KmsSignature.Build;

/// <summary>platyPS-shaped markdown to MAML. Errors name the file and line of the offending markdown.</summary>
public static class MamlHelpConverter
{
    public const string AllParameterSets = "__AllParameterSets";

    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly string[] KnownSections =
        { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

    private static readonly string[] RequiredSections = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS" };

    private static readonly string[] KnownYamlKeys =
    {
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters", "Applicable",
    };

    private static readonly Regex Placeholder = new Regex(@"\{\{\s*(Fill|Add)\b[^}]*\}\}", RegexOptions.CultureInvariant);
    private static readonly Regex CommandName = new Regex(@"^[A-Za-z]+-[A-Za-z0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex SyntaxParameter = new Regex(@"(?<![\w-])-([A-Za-z][A-Za-z0-9]*)\b", RegexOptions.CultureInvariant);
    private static readonly Regex PipelineInput = new Regex(
        @"^(False|True \((ByValue|ByPropertyName|ByValue, ByPropertyName|ByPropertyName, ByValue)\))$", RegexOptions.CultureInvariant);
    private static readonly Regex MarkdownLink = new Regex(@"^\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)$", RegexOptions.CultureInvariant);
    // List items and table rows keep their own line: joined into one paragraph they would be unreadable.
    private static readonly Regex ListItem = new Regex(@"^\s*(([-*+]|\d+\.)\s+|\|)", RegexOptions.CultureInvariant);

    /// <summary>
    /// The <c>external help file</c> value of a doc's front matter. A file under docs/ named like a
    /// cmdlet must have front matter, so its absence is an error rather than a silent skip.
    /// </summary>
    public static string ExternalHelpFile(string path, string text)
    {
        var lines = SplitLines(text);
        var frontMatter = ReadFrontMatter(path, lines, out _);
        return frontMatter.TryGetValue("external help file", out var value) ? value.Value : string.Empty;
    }

    /// <summary>
    /// Converts every doc whose front matter names <paramref name="helpFileName"/> into one helpItems
    /// document, commands sorted by name. Docs for other help files are skipped. Problems are collected
    /// (one per file, the first found) so a build reports every broken doc at once.
    /// </summary>
    public static XDocument Convert(IEnumerable<KeyValuePair<string, string>> docs, string helpFileName,
        ICollection<DocumentException> errors, ICollection<string>? skipped = null)
    {
        var commands = new SortedDictionary<string, XElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var doc in docs)
        {
            try
            {
                if (!string.Equals(ExternalHelpFile(doc.Key, doc.Value), helpFileName, StringComparison.OrdinalIgnoreCase))
                {
                    skipped?.Add(doc.Key);
                    continue;
                }

                var command = ConvertCommand(doc.Key, doc.Value);
                var name = command.Element(Command + "details")!.Element(Command + "name")!.Value;
                if (commands.ContainsKey(name))
                {
                    throw new DocumentException(doc.Key, 1, "a second doc for " + name + "; each cmdlet has exactly one doc.");
                }

                commands.Add(name, command);
            }
            catch (DocumentException ex)
            {
                errors.Add(ex);
            }
        }

        return CreateHelpItems(commands.Values);
    }

    public static XDocument CreateHelpItems(IEnumerable<XElement> commands) =>
        new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems",
                new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", Maml.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "command", Command.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "dev", Dev.NamespaceName),
                commands));

    /// <summary>Text of the MAML file as written to disk (UTF-8 without BOM, LF line ends, indented).</summary>
    public static string ToXmlText(XDocument document)
    {
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            Encoding = new UTF8Encoding(false),
        };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            document.Save(writer);
        }

        return new UTF8Encoding(false).GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One doc to one <c>command:command</c> element.</summary>
    public static XElement ConvertCommand(string path, string text)
    {
        var doc = Parse(path, text);
        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", doc.Name),
                new XElement(Command + "verb", doc.Name.Substring(0, doc.Name.IndexOf('-'))),
                new XElement(Command + "noun", doc.Name.Substring(doc.Name.IndexOf('-') + 1)),
                Description(doc.Synopsis)),
            Description(doc.Description),
            new XElement(Command + "syntax", doc.SyntaxSets.Select(set => SyntaxItem(doc, set))),
            new XElement(Command + "parameters", doc.Parameters.Select(p => ParameterElement(p, p.Blocks[0], syntax: false))),
            new XElement(Command + "inputTypes", doc.Inputs.Select(t =>
                new XElement(Command + "inputType", TypeElement(t.Name), Description(t.Description)))),
            new XElement(Command + "returnValues", doc.Outputs.Select(t =>
                new XElement(Command + "returnValue", TypeElement(t.Name), Description(t.Description)))),
            new XElement(Maml + "alertSet",
                new XElement(Maml + "alert", Paragraphs(doc.Notes))),
            new XElement(Command + "examples", doc.Examples.Select(e =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", "-------------------------- " + e.Title + " --------------------------"),
                    new XElement(Dev + "code", e.Code),
                    new XElement(Dev + "remarks", Paragraphs(e.Remarks))))),
            new XElement(Maml + "relatedLinks", doc.Links.Select(l =>
                new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", l.Text),
                    new XElement(Maml + "uri", l.Uri)))));
    }

    private static XElement SyntaxItem(CommandDoc doc, SyntaxSet set)
    {
        var members = doc.Parameters
            .Select(p => new { Parameter = p, Block = p.BlockFor(set.Name) })
            .Where(m => m.Block != null)
            .OrderBy(m => set.Order.IndexOf(m.Parameter.Name))
            .Select(m => ParameterElement(m.Parameter, m.Block!, syntax: true));
        return new XElement(Command + "syntaxItem", new XElement(Maml + "name", doc.Name), members);
    }

    private static XElement ParameterElement(ParameterDoc parameter, ParameterBlock block, bool syntax)
    {
        var isSwitch = block.Type == "SwitchParameter" || block.Type == "System.Management.Automation.SwitchParameter";
        var isArray = block.Type.EndsWith("[]", StringComparison.Ordinal);
        return new XElement(Command + "parameter",
            new XAttribute("required", block.Required ? "true" : "false"),
            new XAttribute("variableLength", isArray ? "true" : "false"),
            new XAttribute("globbing", block.Globbing ? "true" : "false"),
            new XAttribute("pipelineInput", block.PipelineInput),
            new XAttribute("position", block.Position),
            new XAttribute("aliases", block.Aliases.Count == 0 ? "none" : string.Join(", ", block.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.Description),
            syntax && block.AcceptedValues.Count > 0
                ? new XElement(Command + "parameterValueGroup", block.AcceptedValues.Select(v =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"),
                        new XAttribute("variableLength", "false"), v)))
                : null,
            // Get-Help prints "<Type>" after the name from parameterValue; a switch has no value to show.
            syntax && isSwitch
                ? null
                : new XElement(Command + "parameterValue", new XAttribute("required", isSwitch ? "false" : "true"),
                    new XAttribute("variableLength", isArray ? "true" : "false"), block.Type),
            TypeElement(block.Type),
            new XElement(Dev + "defaultValue", block.DefaultValue));
    }

    private static XElement TypeElement(string name) =>
        new XElement(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    private static XElement Description(IEnumerable<string> paragraphs) =>
        new XElement(Maml + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> paragraphs) =>
        paragraphs.Select(p => new XElement(Maml + "para", p));

    // ---------------------------------------------------------------- parsing

    private static CommandDoc Parse(string path, string text)
    {
        var lines = SplitLines(text);
        var frontMatter = ReadFrontMatter(path, lines, out var bodyStart);
        RequireFrontMatter(path, frontMatter, "external help file");
        RequireFrontMatter(path, frontMatter, "Module Name");
        RequireFrontMatter(path, frontMatter, "schema");
        if (frontMatter["schema"].Value != "2.0.0")
        {
            throw new DocumentException(path, frontMatter["schema"].Line,
                "schema '" + frontMatter["schema"].Value + "' is not supported; write platyPS schema 2.0.0 (see docs/README.md).");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var placeholder = Placeholder.Match(lines[i]);
            if (placeholder.Success)
            {
                throw new DocumentException(path, i + 1, "unfilled platyPS placeholder '" + placeholder.Value + "'.");
            }
        }

        var doc = new CommandDoc();
        var sections = SplitSections(path, lines, bodyStart, doc);
        foreach (var required in RequiredSections)
        {
            if (!sections.ContainsKey(required))
            {
                throw new DocumentException(path, bodyStart + 1, "missing the '## " + required + "' section.");
            }
        }

        var expectedName = Path.GetFileNameWithoutExtension(path);
        if (!string.Equals(doc.Name, expectedName, StringComparison.Ordinal))
        {
            throw new DocumentException(path, doc.NameLine, "the title '# " + doc.Name + "' must equal the file name '" + expectedName + "'.");
        }

        doc.Links.AddRange(OnlineVersion(frontMatter));
        foreach (var section in sections.Values)
        {
            switch (section.Name)
            {
                case "SYNOPSIS":
                    doc.Synopsis.AddRange(ProseOnly(path, section));
                    if (doc.Synopsis.Count == 0)
                    {
                        throw new DocumentException(path, section.Line, "SYNOPSIS is empty.");
                    }

                    break;
                case "DESCRIPTION":
                    doc.Description.AddRange(ProseOnly(path, section));
                    if (doc.Description.Count == 0)
                    {
                        throw new DocumentException(path, section.Line, "DESCRIPTION is empty.");
                    }

                    break;
                case "NOTES":
                    doc.Notes.AddRange(ProseOnly(path, section));
                    break;
                case "SYNTAX":
                    ReadSyntax(path, section, doc);
                    break;
                case "EXAMPLES":
                    ReadExamples(path, section, doc);
                    break;
                case "PARAMETERS":
                    ReadParameters(path, section, doc);
                    break;
                case "INPUTS":
                    doc.Inputs.AddRange(ReadTypes(path, section));
                    break;
                case "OUTPUTS":
                    doc.Outputs.AddRange(ReadTypes(path, section));
                    break;
                case "RELATED LINKS":
                    doc.Links.AddRange(ReadLinks(path, section));
                    break;
            }
        }

        CheckParameterSets(path, doc);
        return doc;
    }

    private static List<string> SplitLines(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n').ToList();

    private static Dictionary<string, LineValue> ReadFrontMatter(string path, List<string> lines, out int bodyStart)
    {
        if (lines.Count == 0 || lines[0].Trim() != "---")
        {
            throw new DocumentException(path, 1, "a cmdlet doc starts with platyPS front matter ('---', 'external help file: ...', " +
                "'Module Name: ...', 'online version: ...', 'schema: 2.0.0', '---'); see docs/README.md.");
        }

        var values = new Dictionary<string, LineValue>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Trim() == "---")
            {
                bodyStart = i + 1;
                return values;
            }

            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new DocumentException(path, i + 1, "front matter lines are 'key: value'; found '" + line.Trim() + "'.");
            }

            values[line.Substring(0, colon).Trim()] = new LineValue(line.Substring(colon + 1).Trim(), i + 1);
        }

        throw new DocumentException(path, 1, "the front matter is not closed by a '---' line.");
    }

    private static void RequireFrontMatter(string path, Dictionary<string, LineValue> frontMatter, string key)
    {
        if (!frontMatter.TryGetValue(key, out var value) || value.Value.Length == 0)
        {
            throw new DocumentException(path, 1, "the front matter has no '" + key + ":' value.");
        }
    }

    private static IEnumerable<LinkDoc> OnlineVersion(Dictionary<string, LineValue> frontMatter)
    {
        if (frontMatter.TryGetValue("online version", out var online) && online.Value.Length > 0)
        {
            yield return new LinkDoc("Online Version:", online.Value);
        }
    }

    /// <summary>Splits the body at '## ' headings (outside code fences); reads the '# Name' title.</summary>
    private static Dictionary<string, Section> SplitSections(string path, List<string> lines, int bodyStart, CommandDoc doc)
    {
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? current = null;
        var fenceLine = 0;
        for (var i = bodyStart; i < lines.Count; i++)
        {
            var line = lines[i];
            var number = i + 1;
            if (IsFence(line))
            {
                fenceLine = fenceLine == 0 ? number : 0;
            }
            else if (fenceLine == 0 && line.StartsWith("# ", StringComparison.Ordinal))
            {
                if (doc.Name.Length > 0 || current != null)
                {
                    throw new DocumentException(path, number, "only one '# Name' title is allowed, before the first section.");
                }

                doc.Name = line.Substring(2).Trim();
                doc.NameLine = number;
                if (!CommandName.IsMatch(doc.Name))
                {
                    throw new DocumentException(path, number, "the title '" + doc.Name + "' is not a Verb-Noun command name.");
                }

                continue;
            }
            else if (fenceLine == 0 && line.StartsWith("## ", StringComparison.Ordinal))
            {
                var name = line.Substring(3).Trim();
                if (Array.IndexOf(KnownSections, name) < 0)
                {
                    throw new DocumentException(path, number,
                        "unknown section '## " + name + "'; platyPS schema 2.0.0 has " + string.Join(", ", KnownSections) + ".");
                }

                if (sections.ContainsKey(name))
                {
                    throw new DocumentException(path, number, "section '## " + name + "' appears twice.");
                }

                if (doc.Name.Length == 0)
                {
                    throw new DocumentException(path, number, "the '# Name' title must come before the first section.");
                }

                current = new Section(name, number);
                sections.Add(name, current);
                continue;
            }

            if (current == null)
            {
                if (line.Trim().Length > 0)
                {
                    throw new DocumentException(path, number, "text before the first '## ' section.");
                }

                continue;
            }

            current.Lines.Add(new SourceLine(line, number));
        }

        if (fenceLine != 0)
        {
            throw new DocumentException(path, fenceLine, "this code fence is never closed.");
        }

        if (doc.Name.Length == 0)
        {
            throw new DocumentException(path, bodyStart + 1, "missing the '# Name' title.");
        }

        return sections;
    }

    private static bool IsFence(string line) => line.TrimStart().StartsWith("```", StringComparison.Ordinal);

    /// <summary>Splits a section at '### ' headings; lines before the first heading have a null heading.</summary>
    private static List<Subsection> SplitSubsections(Section section)
    {
        var result = new List<Subsection> { new Subsection(null, section.Line) };
        var inFence = false;
        foreach (var line in section.Lines)
        {
            if (IsFence(line.Text))
            {
                inFence = !inFence;
            }
            else if (!inFence && line.Text.StartsWith("### ", StringComparison.Ordinal))
            {
                result.Add(new Subsection(line.Text.Substring(4).Trim(), line.Number));
                continue;
            }

            result[result.Count - 1].Lines.Add(line);
        }

        return result;
    }

    /// <summary>Markdown blocks: code fences, and prose paragraphs split at blank lines and list items.</summary>
    private static List<Block> ReadBlocks(IEnumerable<SourceLine> lines)
    {
        var blocks = new List<Block>();
        Block? prose = null;
        Block? code = null;
        foreach (var line in lines)
        {
            if (code != null)
            {
                if (IsFence(line.Text))
                {
                    blocks.Add(code);
                    code = null;
                }
                else
                {
                    code.Lines.Add(line.Text);
                }

                continue;
            }

            if (IsFence(line.Text))
            {
                prose = null;
                code = new Block(line.Number, line.Text.Trim().Substring(3).Trim());
                continue;
            }

            if (line.Text.Trim().Length == 0)
            {
                prose = null;
                continue;
            }

            if (prose == null || ListItem.IsMatch(line.Text))
            {
                prose = new Block(line.Number, null);
                blocks.Add(prose);
            }

            prose.Lines.Add(line.Text.Trim());
        }

        return blocks;
    }

    /// <summary>
    /// MAML paragraphs: a prose block's lines are soft-wrapped text and join with spaces (Get-Help
    /// re-wraps to the console width); a code block keeps its lines, indented as Get-Help shows code.
    /// </summary>
    private static string ParagraphText(Block block) =>
        block.IsCode
            ? string.Join("\n", block.Lines.Select(l => l.Length == 0 ? l : "    " + l))
            : string.Join(" ", block.Lines);

    private static List<string> ProseOnly(string path, Section section)
    {
        var subsections = SplitSubsections(section);
        if (subsections.Count > 1)
        {
            throw new DocumentException(path, subsections[1].Line, "'### ' headings are not allowed in " + section.Name + ".");
        }

        return ReadBlocks(section.Lines).Select(ParagraphText).ToList();
    }

    private static void ReadSyntax(string path, Section section, CommandDoc doc)
    {
        var subsections = SplitSubsections(section);
        var untitled = ReadBlocks(subsections[0].Lines);
        if (subsections.Count == 1)
        {
            // platyPS writes no '### ' heading when the cmdlet has a single (unnamed) parameter set.
            doc.SyntaxSets.Add(SyntaxSetFrom(path, AllParameterSets, section.Line, untitled, doc.Name));
            return;
        }

        if (untitled.Count > 0)
        {
            throw new DocumentException(path, untitled[0].Line, "SYNTAX text before the first '### <ParameterSetName>' heading.");
        }

        foreach (var sub in subsections.Skip(1))
        {
            var name = sub.Heading!;
            if (name.EndsWith("(Default)", StringComparison.Ordinal))
            {
                name = name.Substring(0, name.Length - "(Default)".Length).Trim();
            }

            if (name.Length == 0 || name.IndexOf(' ') >= 0)
            {
                throw new DocumentException(path, sub.Line, "'### " + sub.Heading + "' is not a parameter set name (optionally followed by ' (Default)').");
            }

            if (doc.SyntaxSets.Any(s => s.Name == name))
            {
                throw new DocumentException(path, sub.Line, "parameter set '" + name + "' appears twice in SYNTAX.");
            }

            doc.SyntaxSets.Add(SyntaxSetFrom(path, name, sub.Line, ReadBlocks(sub.Lines), doc.Name));
        }
    }

    private static SyntaxSet SyntaxSetFrom(string path, string name, int line, List<Block> blocks, string commandName)
    {
        if (blocks.Count != 1 || !blocks[0].IsCode)
        {
            throw new DocumentException(path, line, "each SYNTAX parameter set holds exactly one code block with the command line.");
        }

        var code = string.Join(" ", blocks[0].Lines).Trim();
        if (!code.StartsWith(commandName, StringComparison.OrdinalIgnoreCase))
        {
            throw new DocumentException(path, blocks[0].Line, "the SYNTAX code block must start with '" + commandName + "'.");
        }

        var order = new List<string>();
        foreach (Match match in SyntaxParameter.Matches(code.Substring(commandName.Length)))
        {
            if (!order.Contains(match.Groups[1].Value, StringComparer.OrdinalIgnoreCase))
            {
                order.Add(match.Groups[1].Value);
            }
        }

        return new SyntaxSet(name, blocks[0].Line, order);
    }

    private static void ReadExamples(string path, Section section, CommandDoc doc)
    {
        var subsections = SplitSubsections(section);
        if (ReadBlocks(subsections[0].Lines).FirstOrDefault() is Block stray)
        {
            throw new DocumentException(path, stray.Line, "EXAMPLES text before the first '### Example 1: <title>' heading.");
        }

        foreach (var sub in subsections.Skip(1))
        {
            var blocks = ReadBlocks(sub.Lines);
            var code = blocks.Where(b => b.IsCode).ToList();
            if (code.Count == 0)
            {
                throw new DocumentException(path, sub.Line, "example '" + sub.Heading + "' has no ```powershell code block.");
            }

            doc.Examples.Add(new ExampleDoc(
                sub.Heading!,
                string.Join("\n\n", code.Select(b => string.Join("\n", b.Lines))),
                blocks.Where(b => !b.IsCode).Select(ParagraphText).ToList()));
        }
    }

    private static void ReadParameters(string path, Section section, CommandDoc doc)
    {
        var subsections = SplitSubsections(section);
        if (ReadBlocks(subsections[0].Lines).FirstOrDefault() is Block stray)
        {
            throw new DocumentException(path, stray.Line, "PARAMETERS text before the first '### -Name' heading.");
        }

        foreach (var sub in subsections.Skip(1))
        {
            if (sub.Heading == "CommonParameters")
            {
                continue;
            }

            if (!sub.Heading!.StartsWith("-", StringComparison.Ordinal) || sub.Heading.Length < 2 || sub.Heading.IndexOf(' ') >= 0)
            {
                throw new DocumentException(path, sub.Line, "'### " + sub.Heading + "' is not a parameter heading ('### -Name' or '### CommonParameters').");
            }

            var parameter = new ParameterDoc(sub.Heading.Substring(1), sub.Line);
            if (doc.Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DocumentException(path, sub.Line, "parameter -" + parameter.Name + " is described twice.");
            }

            foreach (var block in ReadBlocks(sub.Lines))
            {
                if (block.IsCode && block.Language == "yaml")
                {
                    parameter.Blocks.Add(ReadParameterBlock(path, block, parameter));
                }
                else if (parameter.Blocks.Count > 0)
                {
                    throw new DocumentException(path, block.Line, "text after the ```yaml block of -" + parameter.Name + "; the description goes above it.");
                }
                else
                {
                    parameter.Description.Add(ParagraphText(block));
                }
            }

            if (parameter.Description.Count == 0)
            {
                throw new DocumentException(path, sub.Line, "-" + parameter.Name + " has no description.");
            }

            if (parameter.Blocks.Count == 0)
            {
                throw new DocumentException(path, sub.Line, "-" + parameter.Name + " has no ```yaml block (Type, Parameter Sets, Required, Position, ...).");
            }

            doc.Parameters.Add(parameter);
        }
    }

    private static ParameterBlock ReadParameterBlock(string path, Block block, ParameterDoc parameter)
    {
        var values = new Dictionary<string, LineValue>(StringComparer.Ordinal);
        for (var i = 0; i < block.Lines.Count; i++)
        {
            var line = block.Lines[i];
            var number = block.Line + 1 + i;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':');
            var key = colon > 0 ? line.Substring(0, colon).Trim() : string.Empty;
            if (Array.IndexOf(KnownYamlKeys, key) < 0)
            {
                throw new DocumentException(path, number,
                    "'" + line.Trim() + "' is not a parameter field; the ```yaml block has " + string.Join(", ", KnownYamlKeys.Take(9)) + ".");
            }

            if (values.ContainsKey(key))
            {
                throw new DocumentException(path, number, "'" + key + "' appears twice in the ```yaml block of -" + parameter.Name + ".");
            }

            values.Add(key, new LineValue(line.Substring(colon + 1).Trim(), number));
        }

        LineValue Require(string key)
        {
            if (!values.TryGetValue(key, out var value) || value.Value.Length == 0)
            {
                throw new DocumentException(path, block.Line, "the ```yaml block of -" + parameter.Name + " has no '" + key + ":' value.");
            }

            return value;
        }

        string Optional(string key, string fallback) =>
            values.TryGetValue(key, out var value) && value.Value.Length > 0 ? value.Value : fallback;

        bool Boolean(string key, LineValue value)
        {
            if (string.Equals(value.Value, "True", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(value.Value, "False", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            throw new DocumentException(path, value.Line, "'" + key + ": " + value.Value + "' must be True or False.");
        }

        var result = new ParameterBlock(block.Line, Require("Type").Value);
        var sets = Require("Parameter Sets");
        if (sets.Value == "(All)" || sets.Value == "All")
        {
            result.Sets = null;
        }
        else
        {
            result.Sets = SplitList(sets.Value);
            if (result.Sets.Any(s => s.IndexOf(' ') >= 0 || s.Length == 0))
            {
                throw new DocumentException(path, sets.Line, "'Parameter Sets: " + sets.Value + "' must be (All) or set names separated by ', '.");
            }
        }

        result.Aliases.AddRange(SplitList(Optional("Aliases", string.Empty)));
        result.AcceptedValues.AddRange(SplitList(Optional("Accepted values", string.Empty)));
        result.Required = Boolean("Required", Require("Required"));
        var position = Require("Position");
        if (string.Equals(position.Value, "Named", StringComparison.OrdinalIgnoreCase))
        {
            result.Position = "named";
        }
        else if (int.TryParse(position.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            result.Position = index.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            throw new DocumentException(path, position.Line, "'Position: " + position.Value + "' must be Named or a number (0, 1, ...).");
        }

        result.DefaultValue = Optional("Default value", "None");
        var pipeline = values.TryGetValue("Accept pipeline input", out var p) ? p : new LineValue("False", block.Line);
        if (!PipelineInput.IsMatch(pipeline.Value))
        {
            throw new DocumentException(path, pipeline.Line,
                "'Accept pipeline input: " + pipeline.Value + "' must be False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue).");
        }

        result.PipelineInput = pipeline.Value;
        result.Globbing = values.TryGetValue("Accept wildcard characters", out var wildcard) && Boolean("Accept wildcard characters", wildcard);
        return result;
    }

    private static List<string> SplitList(string value) =>
        value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    private static IEnumerable<TypeDoc> ReadTypes(string path, Section section)
    {
        var subsections = SplitSubsections(section);
        if (ReadBlocks(subsections[0].Lines).FirstOrDefault() is Block stray)
        {
            throw new DocumentException(path, stray.Line, section.Name + " lists types as '### TypeName' headings, each followed by its description.");
        }

        return subsections.Skip(1).Select(sub => new TypeDoc(sub.Heading!, ReadBlocks(sub.Lines).Select(ParagraphText).ToList())).ToList();
    }

    private static IEnumerable<LinkDoc> ReadLinks(string path, Section section)
    {
        var links = new List<LinkDoc>();
        foreach (var line in section.Lines)
        {
            var text = line.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            var match = MarkdownLink.Match(text);
            if (!match.Success)
            {
                throw new DocumentException(path, line.Number, "RELATED LINKS holds one '[Text](uri)' link per line; found '" + text + "'.");
            }

            links.Add(new LinkDoc(match.Groups["text"].Value, match.Groups["uri"].Value));
        }

        return links;
    }

    /// <summary>
    /// SYNTAX and the parameters' "Parameter Sets" must tell the same story: that is what Get-Help
    /// shows as the syntax, and platyPS always writes them consistently.
    /// </summary>
    private static void CheckParameterSets(string path, CommandDoc doc)
    {
        var setNames = doc.SyntaxSets.Select(s => s.Name).ToList();
        foreach (var parameter in doc.Parameters)
        {
            var type = parameter.Blocks[0].Type;
            foreach (var block in parameter.Blocks)
            {
                if (block.Type != type)
                {
                    throw new DocumentException(path, block.Line, "-" + parameter.Name + " has type " + type + " in one ```yaml block and " + block.Type + " in another.");
                }

                foreach (var set in block.Sets ?? new List<string>())
                {
                    if (!setNames.Contains(set))
                    {
                        throw new DocumentException(path, block.Line,
                            "-" + parameter.Name + " names parameter set '" + set + "', which SYNTAX does not show (it has " + string.Join(", ", setNames) + ").");
                    }
                }
            }

            foreach (var set in setNames)
            {
                if (parameter.Blocks.Count(b => b.Sets == null || b.Sets.Contains(set)) > 1)
                {
                    throw new DocumentException(path, parameter.Line, "-" + parameter.Name + " has more than one ```yaml block for parameter set '" + set + "'.");
                }
            }
        }

        foreach (var set in doc.SyntaxSets)
        {
            var documented = doc.Parameters.Where(p => p.BlockFor(set.Name) != null).Select(p => p.Name).ToList();
            var shown = set.Order.Where(n => n != "CommonParameters").ToList();
            var missing = documented.Where(n => !shown.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            var extra = shown.Where(n => !documented.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            if (missing.Count > 0 || extra.Count > 0)
            {
                var label = set.Name == AllParameterSets ? "the SYNTAX code block" : "SYNTAX set '" + set.Name + "'";
                throw new DocumentException(path, set.Line, label + " does not match PARAMETERS:" +
                    (missing.Count > 0 ? " not shown here but documented for this set: -" + string.Join(", -", missing) + "." : string.Empty) +
                    (extra.Count > 0 ? " shown here but not documented for this set: -" + string.Join(", -", extra) + "." : string.Empty));
            }
        }
    }

    // ---------------------------------------------------------------- model (private to the converter)

    /// <summary>A problem in a doc, with the 1-based line MSBuild reports it at.</summary>
    public sealed class DocumentException : Exception
    {
        public DocumentException(string file, int line, string message)
            : base(file + "(" + line.ToString(CultureInfo.InvariantCulture) + "): " + message)
        {
            File = file;
            Line = line;
            Problem = message;
        }

        public string File { get; }

        public int Line { get; }

        /// <summary>The message without the file and line prefix.</summary>
        public string Problem { get; }
    }

    private sealed class LineValue
    {
        public LineValue(string value, int line)
        {
            Value = value;
            Line = line;
        }

        public string Value { get; }

        public int Line { get; }
    }

    private sealed class SourceLine
    {
        public SourceLine(string text, int number)
        {
            Text = text;
            Number = number;
        }

        public string Text { get; }

        public int Number { get; }
    }

    private sealed class Section
    {
        public Section(string name, int line)
        {
            Name = name;
            Line = line;
        }

        public string Name { get; }

        public int Line { get; }

        public List<SourceLine> Lines { get; } = new List<SourceLine>();
    }

    private sealed class Subsection
    {
        public Subsection(string? heading, int line)
        {
            Heading = heading;
            Line = line;
        }

        public string? Heading { get; }

        public int Line { get; }

        public List<SourceLine> Lines { get; } = new List<SourceLine>();
    }

    private sealed class Block
    {
        public Block(int line, string? language)
        {
            Line = line;
            Language = language;
        }

        public int Line { get; }

        /// <summary>Null for prose; the fence's info string (possibly empty) for code.</summary>
        public string? Language { get; }

        public bool IsCode => Language != null;

        public List<string> Lines { get; } = new List<string>();
    }

    private sealed class CommandDoc
    {
        public string Name { get; set; } = string.Empty;

        public int NameLine { get; set; }

        public List<string> Synopsis { get; } = new List<string>();

        public List<string> Description { get; } = new List<string>();

        public List<SyntaxSet> SyntaxSets { get; } = new List<SyntaxSet>();

        public List<ParameterDoc> Parameters { get; } = new List<ParameterDoc>();

        public List<ExampleDoc> Examples { get; } = new List<ExampleDoc>();

        public List<TypeDoc> Inputs { get; } = new List<TypeDoc>();

        public List<TypeDoc> Outputs { get; } = new List<TypeDoc>();

        public List<string> Notes { get; } = new List<string>();

        public List<LinkDoc> Links { get; } = new List<LinkDoc>();
    }

    private sealed class SyntaxSet
    {
        public SyntaxSet(string name, int line, List<string> order)
        {
            Name = name;
            Line = line;
            Order = order;
        }

        public string Name { get; }

        public int Line { get; }

        /// <summary>Parameter names in the order the SYNTAX code block shows them.</summary>
        public List<string> Order { get; }
    }

    private sealed class ParameterDoc
    {
        public ParameterDoc(string name, int line)
        {
            Name = name;
            Line = line;
        }

        public string Name { get; }

        public int Line { get; }

        public List<string> Description { get; } = new List<string>();

        /// <summary>platyPS writes one ```yaml block per distinct metadata, e.g. Required in one set only.</summary>
        public List<ParameterBlock> Blocks { get; } = new List<ParameterBlock>();

        public ParameterBlock? BlockFor(string set) =>
            Blocks.FirstOrDefault(b => b.Sets == null || set == AllParameterSets || b.Sets.Contains(set));
    }

    private sealed class ParameterBlock
    {
        public ParameterBlock(int line, string type)
        {
            Line = line;
            Type = type;
        }

        public int Line { get; }

        public string Type { get; }

        /// <summary>Null means (All).</summary>
        public List<string>? Sets { get; set; }

        public List<string> Aliases { get; } = new List<string>();

        public List<string> AcceptedValues { get; } = new List<string>();

        public bool Required { get; set; }

        public string Position { get; set; } = "named";

        public string DefaultValue { get; set; } = "None";

        public string PipelineInput { get; set; } = "False";

        public bool Globbing { get; set; }
    }

    private sealed class ExampleDoc
    {
        public ExampleDoc(string title, string code, List<string> remarks)
        {
            Title = title;
            Code = code;
            Remarks = remarks;
        }

        public string Title { get; }

        public string Code { get; }

        public List<string> Remarks { get; }
    }

    private sealed class TypeDoc
    {
        public TypeDoc(string name, List<string> description)
        {
            Name = name;
            Description = description;
        }

        public string Name { get; }

        public List<string> Description { get; }
    }

    private sealed class LinkDoc
    {
        public LinkDoc(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        public string Text { get; }

        public string Uri { get; }
    }
}

#if !MAML_HELP_CONVERTER_ONLY
/// <summary>The MSBuild side: reads the docs, logs each broken one at its file and line, writes the MAML file.</summary>
public sealed class MamlHelpTask : Microsoft.Build.Utilities.Task
{
    public ITaskItem[] Docs { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string HelpFileName { get; set; } = string.Empty;

    [Required]
    public string OutputFile { get; set; } = string.Empty;

    public override bool Execute()
    {
        var docs = Docs
            .Select(d => d.GetMetadata("FullPath"))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => new KeyValuePair<string, string>(p, File.ReadAllText(p)))
            .ToList();
        var errors = new List<MamlHelpConverter.DocumentException>();
        var skipped = new List<string>();
        var document = MamlHelpConverter.Convert(docs, HelpFileName, errors, skipped);
        foreach (var error in errors)
        {
            Log.LogError(null, "KSHELP001", null, error.File, error.Line, 0, 0, 0, error.Problem + " (see docs/README.md)");
        }

        foreach (var path in skipped)
        {
            Log.LogMessage(MessageImportance.Low, "{0}: front matter names another external help file; not part of {1}.", path, HelpFileName);
        }

        if (errors.Count > 0)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
        File.WriteAllText(OutputFile, MamlHelpConverter.ToXmlText(document), new UTF8Encoding(false));
        Log.LogMessage(MessageImportance.Normal, "MAML help: {0} command(s) -> {1}", docs.Count - skipped.Count, OutputFile);
        return true;
    }
}
#endif

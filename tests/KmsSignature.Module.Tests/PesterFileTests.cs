using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Mistakes that make a Pester 5 test misnamed or unable to fail, read from the files' syntax trees: running them
/// (PesterSuiteTests) shows only that they pass, not that they could fail.
/// </summary>
public sealed partial class PesterFileTests
{
    public static TheoryData<string> PesterFiles() =>
        new(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "tests", "Pester"), "*.Tests.ps1").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    private static Ast Parse(string file)
    {
        var ast = Parser.ParseFile(Path.Combine(RepoPaths.Root, "tests", "Pester", file), out _, out var errors);
        Assert.Empty(errors);
        return ast;
    }

    // Pester 5 expands <name> in a block or test name as $name, evaluated when it runs: from -ForEach data, or else from
    // whatever variable is in scope. 'writes <file>.sig' became 'writes /tmp/<guid>/file-<guid>.bin.sig' (a new name
    // every run) or 'against .sig'.
    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void Name_templates_only_name_keys_of_the_tests_own_ForEach_data(string file)
    {
        var failures = new List<string>();
        foreach (var call in Parse(file).FindAll(n => n is CommandAst c && c.GetCommandName() is "It" or "Describe" or "Context", true).Cast<CommandAst>())
        {
            if (call.CommandElements.Skip(1).FirstOrDefault() is not StringConstantExpressionAst name)
            {
                continue;
            }

            var data = DataKeys(call);
            foreach (Match template in Template().Matches(name.Value))
            {
                var root = template.Groups[1].Value.Split('.')[0];
                if (root != "_" && !data.Contains(root))
                {
                    failures.Add($"{file}:{call.Extent.StartLineNumber}: '{name.Value}' expands <{template.Groups[1].Value}>, which its -ForEach data does not have");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // A module cmdlet piped to 'Should -BeNullOrEmpty' passes when it writes a non-terminating error and nothing else:
    // without -ErrorAction Stop such an assertion cannot catch the failure it is there for.
    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void Nothing_asserted_of_a_module_cmdlet_also_asserts_it_wrote_no_error(string file)
    {
        var failures = new List<string>();
        foreach (var pipeline in Parse(file).FindAll(n => n is PipelineAst, true).Cast<PipelineAst>())
        {
            if (pipeline.PipelineElements is not [CommandAst first, .., CommandAst last] || last.GetCommandName() != "Should"
                || !first.GetCommandName().Contains("-Kms", StringComparison.Ordinal)
                || !HasParameter(last, "BeNullOrEmpty") || HasParameter(last, "Not"))
            {
                continue;
            }

            var stops = first.CommandElements.Zip(first.CommandElements.Skip(1)).Any(p =>
                p.First is CommandParameterAst { ParameterName: "ErrorAction" } && p.Second.Extent.Text == "Stop");
            if (!stops)
            {
                failures.Add($"{file}:{pipeline.Extent.StartLineNumber}: {pipeline.Extent.Text}");
            }
        }

        Assert.True(failures.Count == 0, "Add -ErrorAction Stop:\n" + string.Join("\n", failures));
    }

    // An It without a Should passes whatever the cmdlet does; a bare 'Should' with no operator fails only as a usage error.
    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void Every_It_asserts_with_a_Should_operator(string file)
    {
        var failures = new List<string>();
        var its = Parse(file).FindAll(n => n is CommandAst c && c.GetCommandName() == "It", true).Cast<CommandAst>().ToList();
        foreach (var it in its)
        {
            var body = it.CommandElements.OfType<ScriptBlockExpressionAst>().LastOrDefault();
            var shoulds = body?.FindAll(n => n is CommandAst c && c.GetCommandName() == "Should", true).Cast<CommandAst>().ToList() ?? [];
            if (shoulds.Count == 0 || shoulds.Any(s => !s.CommandElements.OfType<CommandParameterAst>().Any()))
            {
                failures.Add($"{file}:{it.Extent.StartLineNumber}: {it.CommandElements.Skip(1).FirstOrDefault()?.Extent.Text}");
            }
        }

        Assert.NotEmpty(its);
        Assert.True(failures.Count == 0, "It without a Should operator:\n" + string.Join("\n", failures));
    }

    // Pester 5 evaluates -ForEach data at discovery, before any BeforeAll runs: a variable set in BeforeAll is $null
    // there, and the test silently runs once with no data (or not at all).
    [Theory]
    [MemberData(nameof(PesterFiles))]
    public void ForEach_data_uses_only_variables_set_at_discovery(string file)
    {
        var ast = Parse(file);
        var discovery = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "true", "false", "null", "PSScriptRoot" };
        var discoveryBlocks = ast.FindAll(n => n is CommandAst c && c.GetCommandName() == "BeforeDiscovery", true).ToList();
        foreach (var assignment in ast.FindAll(n => n is AssignmentStatementAst, true).Cast<AssignmentStatementAst>())
        {
            var atTopLevel = assignment.Parent?.Parent is ScriptBlockAst { Parent: null };
            if ((atTopLevel || discoveryBlocks.Any(b => b.Extent.StartOffset <= assignment.Extent.StartOffset && assignment.Extent.EndOffset <= b.Extent.EndOffset))
                && assignment.Left is VariableExpressionAst variable)
            {
                discovery.Add(NameOf(variable));
            }
        }

        var failures = new List<string>();
        foreach (var call in ast.FindAll(n => n is CommandAst c && c.GetCommandName() is "It" or "Describe" or "Context", true).Cast<CommandAst>())
        {
            var elements = call.CommandElements;
            for (var i = 0; i < elements.Count - 1; i++)
            {
                if (elements[i] is CommandParameterAst { ParameterName: var p } && (p.Equals("ForEach", StringComparison.OrdinalIgnoreCase) || p.Equals("TestCases", StringComparison.OrdinalIgnoreCase)))
                {
                    failures.AddRange(elements[i + 1].FindAll(n => n is VariableExpressionAst, true).Cast<VariableExpressionAst>()
                        .Where(v => !v.VariablePath.IsDriveQualified && !discovery.Contains(NameOf(v)))
                        .Select(v => $"{file}:{v.Extent.StartLineNumber}: ${v.VariablePath.UserPath} is not set at discovery"));
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string NameOf(VariableExpressionAst variable) => variable.VariablePath.UserPath.Split(':')[^1]; // $script:x is x

    private static bool HasParameter(CommandAst call, string name) =>
        call.CommandElements.OfType<CommandParameterAst>().Any(p => string.Equals(p.ParameterName, name, StringComparison.OrdinalIgnoreCase));

    private static HashSet<string> DataKeys(CommandAst call)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var elements = call.CommandElements;
        for (var i = 0; i < elements.Count - 1; i++)
        {
            if (elements[i] is CommandParameterAst { ParameterName: var p } && (p.Equals("ForEach", StringComparison.OrdinalIgnoreCase) || p.Equals("TestCases", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var table in elements[i + 1].FindAll(n => n is HashtableAst, true).Cast<HashtableAst>())
                {
                    keys.UnionWith(table.KeyValuePairs.Select(kv => kv.Item1).OfType<StringConstantExpressionAst>().Select(k => k.Value));
                }
            }
        }

        return keys;
    }

    // Pester's own rule: <x> with at least one character, not escaped as `<x`>.
    [GeneratedRegex(@"(?<!`)<([^>^`]+)>")]
    private static partial Regex Template();
}

using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>The completers' one rule: the names the typed word (quotes aside) begins, case-insensitively, in the given order.</summary>
internal static class Completions
{
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> names, string wordToComplete)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}

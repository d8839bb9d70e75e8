using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Cmdlets;

/// <summary>Tab completion for -SigningAlgorithm (KMS names).</summary>
public sealed class SigningAlgorithmCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        SignatureAlgorithm.All.Select(a => a.KmsName)
            .Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}

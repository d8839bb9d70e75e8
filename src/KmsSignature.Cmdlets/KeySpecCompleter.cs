using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Cmdlets;

/// <summary>Tab completion for -KeySpec from the one catalog of signing key specs.</summary>
public sealed class KeySpecCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completions.Matching(KmsKeySpecs.AllKmsNames, wordToComplete);
}

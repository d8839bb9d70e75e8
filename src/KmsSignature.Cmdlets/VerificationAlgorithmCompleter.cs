using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Tab completion for Test-KmsSignature -Algorithm, which takes JOSE algs (tokens and files) and KMS names (files): the
/// JOSE algs first, as tokens are the common case, then the KMS names. Not a ValidateSet: a name it refuses ('none',
/// 'HS256') gets the verifier's own specific error.
/// </summary>
public sealed class VerificationAlgorithmCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
        => Completions.Matching(JwsAlgorithm.All.Select(a => a.Name).Concat(SignatureAlgorithm.All.Select(a => a.KmsName)), wordToComplete);
}

using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Tab completion for -SigningAlgorithm (KMS names): where the key spec is known (New-KmsSigningKey's -KeySpec, or
/// its default), only the algorithms KMS allows for it, since any other is refused as SigningAlgorithmNotForKey.
/// </summary>
public sealed class SigningAlgorithmCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var keySpec = fakeBoundParameters.Contains("KeySpec")
            ? fakeBoundParameters["KeySpec"]?.ToString()
            : string.Equals(commandName, "New-KmsSigningKey", StringComparison.OrdinalIgnoreCase) ? NewKmsSigningKeyCommand.DefaultKeySpec : null;
        var fitting = KmsKeySpecs.TryParse(keySpec, out var spec) ? SignatureAlgorithm.ForKeySpec(spec) : SignatureAlgorithm.All;
        return Completions.Matching(SignatureAlgorithm.All.Where(fitting.Contains).Select(a => a.KmsName), wordToComplete);
    }
}

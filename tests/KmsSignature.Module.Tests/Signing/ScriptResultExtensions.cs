using System.Management.Automation;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

internal static class ScriptResultExtensions
{
    /// <summary>
    /// The first error a script saw. A cmdlet's ThrowTerminatingError stops that statement only: inside a
    /// script it lands in the error stream, so look there as well as at a script-terminating exception.
    /// </summary>
    public static ErrorRecord? FirstError(this ScriptResult result) => result.TerminatingRecord ?? result.Errors.FirstOrDefault();

    /// <summary>The ErrorId part of the first error's FullyQualifiedErrorId.</summary>
    public static string? ErrorId(this ScriptResult result) => result.FirstError()?.FullyQualifiedErrorId.Split(',')[0];
}

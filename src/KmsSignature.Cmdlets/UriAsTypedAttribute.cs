using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Takes a [uri] given to a string parameter as typed (its OriginalString), as a [uri] claim value is signed. PowerShell's
/// own conversion is Uri.ToString(), which adds a slash to a bare authority ("https://issuer.example/"), lowercases the host
/// and unescapes ("%20" as a space): an -Issuer or -Audience that verifiers, comparing strings, then no longer match.
/// Any other argument is passed on unchanged, for PowerShell's usual conversion.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UriAsTypedAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => inputData switch
    {
        PSObject { BaseObject: Uri uri } => uri.OriginalString,
        Uri uri => uri.OriginalString,
        object?[] items when Array.Exists(items, IsUri) => Array.ConvertAll(items, item => IsUri(item) ? Transform(engineIntrinsics, item) : item),
        _ => inputData,
    };

    private static bool IsUri(object? item) => item is Uri or PSObject { BaseObject: Uri };
}

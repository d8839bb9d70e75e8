namespace KmsSignature.Cmdlets;

/// <summary>
/// Takes a [uri] given to a string parameter as typed (its OriginalString), as a [uri] claim value is signed. PowerShell's
/// own conversion is Uri.ToString(), which adds a slash to a bare authority ("https://issuer.example/"), lowercases the host
/// and unescapes ("%20" as a space): an -Issuer or -Audience that verifiers, comparing strings, then no longer match.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UriAsTypedAttribute : ElementTransformationAttribute
{
    protected override string? Convert(object? value) => value is Uri uri ? uri.OriginalString : null;
}

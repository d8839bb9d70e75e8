using KmsSignature.Core.Verification;

namespace KmsSignature.Cmdlets;

/// <summary>
/// For the module's format views: the sender's text (file names, a token's header and claims) with control and
/// bidirectional characters shown as \uXXXX, as the verifier's reasons show them. Here, not in Core, because views
/// resolve types in the module's own assembly; Core lives in the module's private load context.
/// </summary>
public static class ViewText
{
    public static string? Escape(string? text) => UntrustedText.ShowWhole(text);
}

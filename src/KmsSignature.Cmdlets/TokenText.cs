namespace KmsSignature.Cmdlets;

/// <summary>
/// The type of -Token. A plain string[] would take any piped object by PowerShell's "by value with
/// conversion" binding step, which comes before "by property name with conversion": a FileInfo from
/// Get-ChildItem would become a "token" instead of binding its PSPath to -LiteralPath. Only strings
/// convert to TokenText, so strings bind to -Token, file objects to -LiteralPath, and objects with a
/// Token property (New-KmsSignedJwt output) to -Token by property name.
/// </summary>
public sealed class TokenText
{
    public TokenText(string? value) => Value = value ?? string.Empty;

    public string Value { get; }

    public static implicit operator TokenText(string? value) => new(value);

    public override string ToString() => Value;
}

using System.Text;
using System.Text.RegularExpressions;

namespace KmsSignature.Core.Kms;

/// <summary>
/// An alias-name pattern as Get-KmsSigningKey -Alias takes it: the <c>alias/</c> prefix optional, and PowerShell's
/// wildcards <c>*</c>, <c>?</c>, <c>[abc]</c> and <c>[a-z]</c>, matched case-sensitively as KMS alias names are.
/// None of these characters may appear in an alias name, so they are always wildcards.
/// </summary>
public sealed class AliasNamePattern
{
    private readonly Regex? regex;

    private AliasNamePattern(string text, Regex? regex)
    {
        Text = text;
        this.regex = regex;
    }

    /// <summary>The pattern with its <c>alias/</c> prefix.</summary>
    public string Text { get; }

    public bool HasWildcards => regex is not null;

    public static AliasNamePattern Parse(string pattern)
    {
        var text = KmsKeyIdentifier.WithAliasPrefix(pattern);

        if (text.AsSpan().IndexOfAny("*?[") < 0)
        {
            // A plain name is checked as KMS checks it, so a typo is an error and not a silent empty result.
            return new AliasNamePattern(KmsKeyIdentifier.NormalizeAliasLookup(text), null);
        }

        return new AliasNamePattern(text, new Regex(ToRegex(text, pattern), RegexOptions.CultureInvariant | RegexOptions.Singleline));
    }

    public bool IsMatch(string aliasName) => regex?.IsMatch(aliasName) ?? string.Equals(Text, aliasName, StringComparison.Ordinal);

    public override string ToString() => Text;

    private static string ToRegex(string text, string pattern)
    {
        var result = new StringBuilder("^");
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '*':
                    result.Append(".*");
                    break;
                case '?':
                    result.Append('.');
                    break;
                case '[':
                    var close = text.IndexOf(']', i + 1);
                    if (close <= i + 1)
                    {
                        throw new KmsSignatureException("InvalidAliasPattern", ErrorKind.InvalidArgument,
                            $"'{pattern}' is not a valid alias pattern: '[' starts a set of characters such as [abc] or [a-z] and needs its ']'.", pattern);
                    }

                    result.Append('[');
                    for (var j = i + 1; j < close; j++)
                    {
                        // A '-' between two characters is a range, as in PowerShell; anything else stands for itself.
                        var isRange = text[j] == '-' && j > i + 1 && j < close - 1;
                        result.Append(isRange || char.IsAsciiLetterOrDigit(text[j]) ? $"{text[j]}" : $"\\u{(int)text[j]:X4}");
                    }

                    result.Append(']');
                    i = close;
                    break;
                default:
                    result.Append(Regex.Escape(text[i].ToString()));
                    break;
            }
        }

        return result.Append('$').ToString();
    }
}

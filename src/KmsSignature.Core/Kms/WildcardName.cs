namespace KmsSignature.Core.Kms;

/// <summary>
/// <c>*</c> and <c>?</c> wildcards, ordinal, as IAM matches action patterns (callers lower-case both sides, as IAM
/// actions are case-insensitive). Alias-name patterns take PowerShell's wildcards: <see cref="AliasNamePattern"/>.
/// </summary>
public static class WildcardName
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool IsMatch(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

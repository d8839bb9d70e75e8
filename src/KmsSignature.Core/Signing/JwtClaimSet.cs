namespace KmsSignature.Core.Signing;

/// <summary>
/// The claims of one token, in the order they will be written (deterministic JSON: the same claims give the
/// same bytes). Values are plain .NET values: string, bool, numbers, DateTime/DateTimeOffset (written as
/// NumericDate seconds, RFC 7519 §2), dictionaries with string keys (objects), sequences (arrays), null.
/// </summary>
public sealed class JwtClaimSet
{
    private readonly List<KeyValuePair<string, object?>> entries = [];

    public IReadOnlyList<KeyValuePair<string, object?>> Entries => entries;

    public int Count => entries.Count;

    public bool Contains(string name) => IndexOf(name) >= 0;

    public object? this[string name] => IndexOf(name) is var i and >= 0 ? entries[i].Value : null;

    /// <summary>The <c>exp</c> claim as a time, when it is a NumericDate (a number or a date) within years 1 to 9999.</summary>
    public DateTimeOffset? ExpiresAt => NumericDate.ToTime(this["exp"]);

    /// <summary>
    /// Refuses (<c>KmsSignature.InvalidClaimValue</c>) registered claims that verifiers, Test-KmsSignature among them,
    /// reject as malformed: an <c>exp</c>, <c>nbf</c> or <c>iat</c> that is not a number or a date (RFC 7519 §4.1.4: a
    /// string, null, ...) or is outside years 1 to 9999; an <c>iss</c>, <c>sub</c> or <c>jti</c> that is not a string; an
    /// <c>aud</c> that is neither a string nor an array of strings.
    /// </summary>
    public void CheckRegisteredClaims()
    {
        CheckTimeClaims();
        CheckStringClaims();
    }

    private void CheckTimeClaims()
    {
        foreach (var name in TimeClaims)
        {
            if (!Contains(name))
            {
                continue;
            }

            var value = this[name];
            if (NumericDate.Seconds(value, roundUp: name == "nbf") is not { } seconds)
            {
                throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
                    $"The value of '{name}' is {(value is null ? "null" : $"a {value.GetType().Name}")}, not a NumericDate: give seconds since 1970 as a number, or a date.", name);
            }

            if (!NumericDate.InRange(seconds))
            {
                throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
                    $"The value of '{name}' ({seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}) is not a NumericDate " +
                    $"between {NumericDate.Min} and {NumericDate.Max} (years 1 to 9999), the dates every verifier can read.", name);
            }
        }
    }

    private static readonly string[] TimeClaims = ["exp", "nbf", "iat"];

    private static readonly string[] StringClaims = ["iss", "sub", "jti"];

    // RFC 7519 §4.1.1-4.1.3, §4.1.7: iss, sub and jti are strings, aud a string or an array of strings. Verifiers,
    // Test-KmsSignature among them, reject any other value (a number from a CSV or JSON id, $null) as a malformed token.
    private void CheckStringClaims()
    {
        foreach (var name in StringClaims)
        {
            if (Contains(name) && !JoseJson.IsString(this[name]))
            {
                throw NotText(name, "a string");
            }
        }

        if (Contains("aud") && !IsAudience(this["aud"]))
        {
            throw NotText("aud", "a string or an array of strings");
        }
    }

    private static bool IsAudience(object? value) => JoseJson.IsString(value)
        || (JoseJson.IsArray(value) && ((System.Collections.IEnumerable)value!).Cast<object?>().All(JoseJson.IsString));

    private KmsSignatureException NotText(string name, string expected)
    {
        var value = this[name];
        return new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
            $"The value of '{name}' is {(value is null ? "null" : $"a {value.GetType().Name}")}, not {expected} (RFC 7519 §4.1): verifiers reject such a token as malformed. " +
            "Make it a string (\"$id\" or [string]$id in PowerShell).", name);
    }

    /// <summary>Sets a claim; a claim already present keeps its position and takes the new value.</summary>
    public JwtClaimSet Set(string name, object? value)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new KmsSignatureException("InvalidClaimName", ErrorKind.InvalidArgument, "A claim name cannot be empty.", name);
        }

        var index = IndexOf(name);
        if (index >= 0)
        {
            entries[index] = new(name, value);
        }
        else
        {
            entries.Add(new(name, value));
        }

        return this;
    }

    public bool Remove(string name)
    {
        var index = IndexOf(name);
        if (index >= 0)
        {
            entries.RemoveAt(index);
        }

        return index >= 0;
    }

    private int IndexOf(string name) => entries.FindIndex(e => string.Equals(e.Key, name, StringComparison.Ordinal));
}

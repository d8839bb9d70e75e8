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
    /// Refuses (<c>KmsSignature.InvalidClaimValue</c>) an <c>exp</c>, <c>nbf</c> or <c>iat</c> that is not a number or a
    /// date (RFC 7519 §4.1.4: a string, null, ...), or a number outside years 1 to 9999: verifiers, Test-KmsSignature
    /// among them, read it as no NumericDate and reject the token as malformed.
    /// </summary>
    public void CheckTimeClaims()
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

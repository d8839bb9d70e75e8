using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Jose;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Turns PowerShell values (PSObject wrappers, PSCustomObject, hashtables, arrays) into the plain .NET values
/// Core serialises, recursively. Ordered dictionaries (also ConvertFrom-Json -AsHashtable's) and PSCustomObjects keep
/// their order; a plain hashtable has none, so its keys are sorted (ordinal) to make the JSON deterministic.
/// </summary>
internal static class PlainValues
{
    public static IReadOnlyList<KeyValuePair<string, object?>>? Members(object? value, string parameter) => Unwrap(value) switch
    {
        null => null,
        IDictionary dictionary => FromDictionary(dictionary, string.Empty),
        PSObject { BaseObject: PSCustomObject } custom => FromCustomObject(custom, string.Empty),
        var other => throw new KmsSignatureException("InvalidClaims", ErrorKind.InvalidArgument,
            $"{parameter} takes a hashtable, an ordered dictionary or a PSCustomObject, not a {other.GetType().FullName}.", other),
    };

    /// <summary>
    /// A piped item as its error's target, so it can be sent again: its base object, but a PSCustomObject keeps its wrapper
    /// (its properties live there; the base object is empty).
    /// </summary>
    public static object? AsTarget(object? input) => input is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : input;

    /// <summary>True for what <see cref="Members"/> takes: null, a dictionary or a PSCustomObject.</summary>
    public static bool IsMembers(object? value) => Unwrap(value) is null or IDictionary or PSObject { BaseObject: PSCustomObject };

    // path: where the value sits (a.b[0]), for errors; its depth counts the containers around the value.
    private static object? Convert(object? value, string path, int depth) => Unwrap(value) switch
    {
        null => null,
        string s => s,
        SwitchParameter flag => flag.IsPresent, // a function's [switch] parameter put in a claim
        byte[] bytes => bytes,
        System.Xml.XmlNode node => node, // not an array of its child nodes: Core refuses it with a hint
        IEnumerable or PSObject when depth > JwsLimits.MaxJsonDepth => throw TooDeep(path),
        IDictionary dictionary => FromDictionary(dictionary, path + ".", depth),
        PSObject { BaseObject: PSCustomObject } custom => FromCustomObject(custom, path + ".", depth),
        // A dictionary that is not an IDictionary (an ExpandoObject) read as an array of KeyValuePairs, and the error named
        // 'path[0]'. Refused with its own path, as Members refuses it at the top level.
        IEnumerable<KeyValuePair<string, object?>> other => throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
            $"The value of '{path}' is a {other.GetType().FullName}, which is not supported: give a hashtable, an ordered dictionary or a PSCustomObject.", path),
        IEnumerable sequence => sequence.Cast<object?>().Select((item, index) => Convert(item, $"{path}[{index}]", depth + 1)).ToArray(),
        var other => other,
    };

    // A hashtable that holds itself ($h.self = $h) recursed until the stack overflowed and the process died. Core refuses
    // claims nested deeper than the verifier reads anyway; refusing them here too keeps the recursion bounded.
    private static KmsSignatureException TooDeep(string path) =>
        new("InvalidClaimValue", ErrorKind.InvalidArgument,
            $"The value of '{path}' is nested deeper than {JwsLimits.MaxJsonDepth} levels (does an object hold itself?).", path);

    private static object? Unwrap(object? value)
    {
        // What a command that output nothing leaves in @{ x = (f) }: PowerShell's null, whose wrapper holds an empty
        // PSCustomObject, so it was signed as {}.
        if (ReferenceEquals(value, System.Management.Automation.Internal.AutomationNull.Value))
        {
            return null;
        }

        // PSCustomObject is only meaningful with its PSObject wrapper (the note properties live there).
        if (value is PSObject ps)
        {
            return ps.BaseObject is PSCustomObject ? ps : Unwrap(ps.BaseObject);
        }

        return value;
    }

    private static List<KeyValuePair<string, object?>> FromDictionary(IDictionary dictionary, string prefix, int depth = 1)
    {
        var members = new List<KeyValuePair<string, object?>>(dictionary.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dictionary)
        {
            var name = Name(entry.Key);
            if (!names.Add(name))
            {
                // $h[1] and $h['1'] are two keys but one member name: JSON would hold it twice (RFC 7519 §4 wants claim names
                // unique, and verifiers read either one), and at the top level one of them was dropped unseen.
                throw new KmsSignatureException("InvalidClaimName", ErrorKind.InvalidArgument,
                    $"Two keys of one hashtable are both named '{name}' in JSON (such as 1 and '1'); member names must be unique.", name);
            }

            members.Add(new(name, Convert(entry.Value, prefix + name, depth + 1)));
        }

        if (!HasOwnOrder(dictionary))
        {
            members.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        }

        return members;
    }

    // A key that is not a string (@{ 1.5 = 'a' }) names its member by the text PowerShell's [string] gives it, which is
    // culture-invariant: ToString() made "1,5" under de-DE, so the same script signed other claim names elsewhere.
    private static string Name(object? key) => Unwrap(key) switch
    {
        string name => name,
        null => string.Empty,
        var other => (string)LanguagePrimitives.ConvertTo(other, typeof(string), CultureInfo.InvariantCulture),
    };

    // ConvertFrom-Json -AsHashtable's OrderedHashtable (PowerShell 7.3+, not in PowerShellStandard) is a Hashtable that
    // keeps insertion order without implementing IOrderedDictionary; a plain Hashtable enumerates in per-process hash order.
    private static bool HasOwnOrder(IDictionary dictionary) =>
        dictionary is IOrderedDictionary || dictionary.GetType().FullName == "System.Management.Automation.OrderedHashtable";

    private static List<KeyValuePair<string, object?>> FromCustomObject(PSObject custom, string prefix, int depth = 1)
    {
        var members = new List<KeyValuePair<string, object?>>();
        foreach (var property in custom.Properties)
        {
            // Every kind of property (note, script, alias, code), as Format-List and ConvertTo-Json show the object.
            if ((property.MemberType & PSMemberTypes.Properties) == 0)
            {
                continue;
            }

            object? value;
            try
            {
                value = property.Value;
            }
            catch (GetValueException ex)
            {
                throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
                    $"Reading the property '{property.Name}' failed: {ex.InnerException?.Message ?? ex.Message}", property.Name, ex);
            }

            members.Add(new(property.Name, Convert(value, prefix + property.Name, depth + 1)));
        }

        return members;
    }
}

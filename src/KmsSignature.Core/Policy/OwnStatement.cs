using System.Text.Json.Nodes;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Policy;

/// <summary>
/// One of our statements reduced to what we manage: its principals (<c>Principal.AWS</c>), its actions and, for the
/// signers' kms:Sign statement, the allowed signing algorithms (<c>Condition.StringEquals["kms:SigningAlgorithm"]</c>).
/// Everything else a statement with our Sid holds (other conditions, other principal types, members we do not know)
/// belongs to whoever put it there: a merge writes our members into the statement and carries the rest through.
/// </summary>
internal sealed class OwnStatement
{
    private const string SigningAlgorithmKey = "kms:SigningAlgorithm";

    /// <summary>
    /// <paramref name="algorithms"/> is the kms:SigningAlgorithm list (empty: no condition), or null for a statement
    /// whose conditions are not ours at all (only the signers' kms:Sign statement carries the algorithm condition).
    /// </summary>
    public OwnStatement(string sid, IReadOnlyList<string> principals, IReadOnlyList<string> actions, IReadOnlyList<string>? algorithms)
    {
        Sid = sid;
        Principals = principals;
        Actions = actions;
        Algorithms = algorithms;
    }

    public string Sid { get; }

    public IReadOnlyList<string> Principals { get; }

    public IReadOnlyList<string> Actions { get; }

    public IReadOnlyList<string>? Algorithms { get; }

    /// <summary>Reads principals and algorithms from a statement with our Sid, whatever its shape (a hand edit may have changed it).</summary>
    public static OwnStatement Read(string sid, JsonObject statement) =>
        new(sid, PrincipalsOf(statement), Strings(statement["Action"]), Strings(SigningAlgorithmsOf(statement)));

    /// <summary>A new statement: principal a string when one, an array when several.</summary>
    public JsonObject ToJson()
    {
        var statement = new JsonObject
        {
            ["Sid"] = Sid,
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = StringOrArray(Principals) },
            ["Action"] = StringOrArray(Actions),
            ["Resource"] = "*",
        };
        if (Algorithms is { Count: > 0 })
        {
            statement["Condition"] = new JsonObject
            {
                ["StringEquals"] = new JsonObject { [SigningAlgorithmKey] = StringOrArray(Algorithms) },
            };
        }

        return statement;
    }

    /// <summary>
    /// A copy of <paramref name="existing"/> with our members set to this statement's. A member that already says the
    /// same (in any order, as a string or an array) is left exactly as written, so a merge that changes nothing yields
    /// a statement equal to the one it started from.
    /// </summary>
    public JsonObject MergeInto(JsonObject existing)
    {
        // SignerPolicyMerge refuses a statement with our Sid that is not a plain Allow before it gets here.
        var merged = (JsonObject)existing.DeepClone();
        // An account's root ARN and its bare id are one principal: a list that says the same in either spelling stays as written.
        if (!SameSet(PrincipalsOf(merged), Principals, IamPrincipal.Comparer))
        {
            if (merged["Principal"] is JsonObject principal)
            {
                principal["AWS"] = StringOrArray(Principals);
            }
            else
            {
                merged["Principal"] = new JsonObject { ["AWS"] = StringOrArray(Principals) };
            }
        }

        // IAM action names are case-insensitive (KMS:sign is kms:Sign): a statement that already says ours in another case is left as written.
        if (!SameSet(Strings(merged["Action"]), Actions, StringComparer.OrdinalIgnoreCase))
        {
            merged["Action"] = StringOrArray(Actions);
        }

        if (Strings(merged["Resource"]) is not ["*"])
        {
            merged["Resource"] = "*";
        }

        if (Algorithms is not null && !SameSet(Strings(SigningAlgorithmsOf(merged)), Algorithms))
        {
            SetSigningAlgorithms(merged, Algorithms);
        }

        return merged;
    }

    /// <summary>
    /// A copy of <paramref name="existing"/> without its <c>Principal.AWS</c> member, or null when it names no other kind
    /// of principal (Service, Federated, CanonicalUser) and so would be left without any.
    /// </summary>
    public static JsonObject? WithoutAwsPrincipals(JsonObject existing)
    {
        if (existing["Principal"] is not JsonObject principal || !principal.Any(p => p.Key != "AWS"))
        {
            return null;
        }

        var kept = (JsonObject)existing.DeepClone();
        ((JsonObject)kept["Principal"]!).Remove("AWS");
        return kept;
    }

    /// <summary>
    /// True when two statements say the same: members in any order, and string lists (principals, actions, condition
    /// values) compared as sets, a single string equal to a one-element array.
    /// </summary>
    public static bool SameStatement(JsonObject a, JsonObject b) => JsonNode.DeepEquals(Normalize(a), Normalize(b));

    /// <summary>
    /// True when the statement's Action names <paramref name="action"/>, or its NotAction does not (a NotAction statement
    /// covers every action it does not list). Patterns take * and ?, compared case-insensitively as IAM compares actions.
    /// </summary>
    internal static bool CoversAction(JsonObject statement, string action)
    {
        var lower = action.ToLowerInvariant();
        bool Listed(JsonNode? node) => Strings(node).Any(p => WildcardName.IsMatch(p.ToLowerInvariant(), lower));
        return statement.ContainsKey("NotAction") ? !Listed(statement["NotAction"]) : Listed(statement["Action"]);
    }

    internal static IReadOnlyList<string> Strings(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => [s],
        JsonArray array => array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray(),
        _ => [],
    };

    private static IReadOnlyList<string> PrincipalsOf(JsonObject statement) => AwsPrincipals(statement["Principal"]);

    /// <summary>The AWS principals of a Principal or NotPrincipal element: "*", or its <c>AWS</c> member (string or array).</summary>
    internal static IReadOnlyList<string> AwsPrincipals(JsonNode? principal) => principal switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => [s],
        JsonObject o => Strings(o["AWS"]),
        _ => [],
    };

    private static JsonNode? SigningAlgorithmsOf(JsonObject statement) =>
        statement["Condition"] is JsonObject condition && condition["StringEquals"] is JsonObject equals && KeyIn(equals) is { } key ? equals[key] : null;

    // IAM condition key names are case-insensitive (kms:signingalgorithm is kms:SigningAlgorithm): find ours as written.
    private static string? KeyIn(JsonObject equals) =>
        equals.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, SigningAlgorithmKey, StringComparison.OrdinalIgnoreCase));

    // Only our key changes: the other keys of StringEquals and the other operators stay; an operator or a Condition
    // left empty by removing our key goes (IAM refuses an empty condition block).
    private static void SetSigningAlgorithms(JsonObject statement, IReadOnlyList<string> algorithms)
    {
        var condition = statement["Condition"] as JsonObject;
        var equals = condition?["StringEquals"] as JsonObject;
        var key = (equals is null ? null : KeyIn(equals)) ?? SigningAlgorithmKey;
        if (algorithms.Count == 0)
        {
            equals?.Remove(key);
            if (equals is { Count: 0 })
            {
                condition!.Remove("StringEquals");
            }

            if (condition is { Count: 0 })
            {
                statement.Remove("Condition");
            }

            return;
        }

        if (condition is null)
        {
            statement["Condition"] = condition = new JsonObject();
        }

        if (equals is null)
        {
            condition["StringEquals"] = equals = new JsonObject();
        }

        equals[key] = StringOrArray(algorithms);
    }

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b, IEqualityComparer<string>? comparer = null) =>
        a.ToHashSet(comparer ?? StringComparer.Ordinal).SetEquals(b);

    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var sorted = new JsonObject();
                foreach (var (name, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    sorted[name] = Normalize(value);
                }

                return sorted;
            case JsonArray a when a.All(item => item is JsonValue v && v.TryGetValue<string>(out _)):
                return SortedArray(a);
            case JsonArray a:
                return new JsonArray(a.Select(Normalize).ToArray());
            case JsonValue v when v.TryGetValue<string>(out _):
                return SortedArray(v);
            default:
                return node?.DeepClone();
        }
    }

    private static JsonArray SortedArray(JsonNode node) =>
        new(Strings(node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());

    private static JsonNode StringOrArray(IReadOnlyList<string> values) => values.Count == 1
        ? JsonValue.Create(values[0])
        : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}

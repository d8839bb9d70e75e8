using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

/// <summary>
/// One of our statements reduced to what we manage: principals, actions and the allowed signing algorithms.
/// Read from the key (to learn the current grants) and written back in a canonical shape.
/// </summary>
internal sealed class OwnStatement
{
    public OwnStatement(string sid, IReadOnlyList<string> principals, IReadOnlyList<string> actions, IReadOnlyList<string> algorithms)
    {
        Sid = sid;
        Principals = principals;
        Actions = actions;
        Algorithms = algorithms;
    }

    public string Sid { get; }

    public IReadOnlyList<string> Principals { get; }

    public IReadOnlyList<string> Actions { get; }

    public IReadOnlyList<string> Algorithms { get; }

    /// <summary>Reads principals and algorithms from a statement with our Sid, whatever its shape (a hand edit may have changed it).</summary>
    public static OwnStatement Read(string sid, JsonObject statement)
    {
        var principals = statement["Principal"] switch
        {
            JsonValue value when value.TryGetValue<string>(out var s) => [s],
            JsonObject o => Strings(o["AWS"]),
            _ => [],
        };
        var algorithms = statement["Condition"] is JsonObject condition && condition["StringEquals"] is JsonObject equals
            ? Strings(equals["kms:SigningAlgorithm"])
            : [];
        return new OwnStatement(sid, principals, Strings(statement["Action"]), algorithms);
    }

    /// <summary>The canonical statement: principal a string when one, an array when several.</summary>
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
        if (Algorithms.Count > 0)
        {
            statement["Condition"] = new JsonObject
            {
                ["StringEquals"] = new JsonObject { ["kms:SigningAlgorithm"] = StringOrArray(Algorithms) },
            };
        }

        return statement;
    }

    /// <summary>Same grants, ignoring order and the string-or-array choice, and only if nothing else is in the statement.</summary>
    public static bool IsCanonical(JsonObject existing, OwnStatement desired) =>
        JsonNode.DeepEquals(Normalize(existing), Normalize(desired.ToJson()));

    private static JsonObject Normalize(JsonObject statement)
    {
        var copy = (JsonObject)statement.DeepClone();
        if (copy["Principal"] is JsonObject principal && principal["AWS"] is { } aws)
        {
            principal["AWS"] = SortedArray(aws);
        }

        if (copy["Action"] is { } action)
        {
            copy["Action"] = SortedArray(action);
        }

        if (copy["Condition"] is JsonObject condition && condition["StringEquals"] is JsonObject equals
            && equals["kms:SigningAlgorithm"] is { } algorithms)
        {
            equals["kms:SigningAlgorithm"] = SortedArray(algorithms);
        }

        // Property order does not matter to KMS; compare as sorted objects.
        var sorted = new JsonObject();
        foreach (var property in copy.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray())
        {
            copy.Remove(property.Key);
            sorted[property.Key] = property.Value;
        }

        return sorted;
    }

    private static JsonArray SortedArray(JsonNode node) =>
        new(Strings(node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());

    internal static IReadOnlyList<string> Strings(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => [s],
        JsonArray array => array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray(),
        _ => [],
    };

    private static JsonNode StringOrArray(IReadOnlyList<string> values) => values.Count == 1
        ? JsonValue.Create(values[0])
        : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}

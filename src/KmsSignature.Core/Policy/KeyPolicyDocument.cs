using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsSignature.Core.Policy;

/// <summary>
/// A KMS key policy as a JSON tree. Only the statements whose Sid we own are ever rewritten; every other
/// top-level field and every other statement is carried through untouched (order and content), so a merge
/// never loses what another tool or a person put there.
/// </summary>
public sealed class KeyPolicyDocument
{
    /// <summary>KMS's key policy size limit: 32 KB (32,768 bytes).</summary>
    public const int MaxBytes = 32768;

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Keep '+', '<', non-ASCII and so on as written: KMS stores the text as given.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonObject root;

    private KeyPolicyDocument(JsonObject root, bool statementWasObject)
    {
        this.root = root;
        StatementWasObject = statementWasObject;
    }

    /// <summary>True when the policy held a single statement object rather than an array.</summary>
    internal bool StatementWasObject { get; }

    /// <summary>The statements, in policy order (live nodes: clone before handing them out).</summary>
    internal IReadOnlyList<JsonObject> Statements => StatementArray().Select(n => (JsonObject)n!).ToArray();

    /// <summary>
    /// Parses a key policy already on a key. Anything we cannot merge into safely (not JSON, duplicate
    /// names, no Statement, a statement that is not an object) is a <c>MalformedKeyPolicy</c> error: we
    /// would rather stop than rewrite a policy we do not understand.
    /// </summary>
    public static KeyPolicyDocument Parse(string text, string? keyId = null)
    {
        JsonObject obj;
        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            obj = node as JsonObject ?? throw Malformed("it is not a JSON object", keyId);
            // Materialises the properties and decodes every string: duplicate names and escapes that are no text (a lone
            // surrogate, "\ud800") surface here, not as an exception when the merged policy is written.
            _ = obj.Count;
            foreach (var property in obj)
            {
                Touch(property.Value);
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            throw Malformed($"it is not valid JSON ({ex.Message})", keyId, ex);
        }

        var statementWasObject = false;
        switch (obj["Statement"])
        {
            case JsonArray array:
                if (array.Any(s => s is not JsonObject))
                {
                    throw Malformed("an entry of its Statement array is not an object", keyId);
                }

                break;
            case JsonObject single:
                // IAM allows one statement as a bare object; we hold it as a one-element array internally.
                statementWasObject = true;
                obj = WithStatementArray(obj);
                break;
            default:
                throw Malformed("it has no Statement array", keyId);
        }

        return new KeyPolicyDocument(obj, statementWasObject);
    }

    /// <summary>The policy KMS writes when a key is created without one.</summary>
    public static KeyPolicyDocument Default(string partition, string accountId) => Parse(
        $$"""{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:{{partition}}:iam::{{accountId}}:root"},"Action":"kms:*","Resource":"*"}]}""");

    /// <summary>The policy text as we write it: indented when that fits in 32 KB, compact otherwise.</summary>
    public string ToJson()
    {
        var indented = KmsCharacters(root.ToJsonString(Indented));
        return Encoding.UTF8.GetByteCount(indented) <= MaxBytes ? indented : ToCompactJson();
    }

    public string ToCompactJson() => KmsCharacters(root.ToJsonString(Compact));

    // A key policy may hold only tab, LF, CR and U+0020 through U+00FF (PutKeyPolicy and CreateKey, Policy): KMS refuses
    // any other character as a MalformedPolicyDocumentException. A policy on a key can still hold others as escapes
    // ("\u30c1"), which the parser decodes; they go out escaped again. Outside strings JSON text is ASCII, so escaping
    // every such UTF-16 unit (surrogates one by one) keeps the text valid and the same document.
    private static string KmsCharacters(string json)
    {
        var first = json.AsSpan().IndexOfAnyExceptInRange('\0', '\u00FF');
        if (first < 0)
        {
            return json;
        }

        var text = new StringBuilder(json.Length + 32).Append(json, 0, first);
        foreach (var c in json.AsSpan(first))
        {
            if (c > '\u00FF')
            {
                text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    public override string ToString() => ToJson();

    /// <summary>True when both say the same, member for member (the text may differ in whitespace and escapes).</summary>
    internal bool SameAs(KeyPolicyDocument other) => JsonNode.DeepEquals(root, other.root);

    internal KeyPolicyDocument Clone() => new((JsonObject)root.DeepClone(), StatementWasObject);

    internal JsonArray StatementArray() => (JsonArray)root["Statement"]!;

    // Same fields in the same order, with the single Statement object wrapped in an array.
    private static JsonObject WithStatementArray(JsonObject obj)
    {
        var result = new JsonObject();
        foreach (var (name, value) in obj.ToArray())
        {
            obj.Remove(name);
            result[name] = name == "Statement" ? new JsonArray(value) : value;
        }

        return result;
    }

    private static void Touch(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var p in o)
                {
                    Touch(p.Value);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Touch(item);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                _ = v.GetValue<string>();
                break;
        }
    }

    private static KmsSignatureException Malformed(string why, string? keyId, Exception? inner = null) =>
        new("MalformedKeyPolicy", ErrorKind.InvalidData,
            $"The key policy{(keyId is null ? string.Empty : $" of {keyId}")} cannot be merged safely: {why}. Nothing was changed.", keyId, inner)
        {
            RecommendedAction = "Inspect it with 'aws kms get-key-policy --policy-name default' (or Get-KMSKeyPolicy), fix it, then run Set-KmsSignerPolicy again.",
        };
}

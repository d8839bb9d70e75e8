using System.Text.Json;

namespace KmsSignature.Core.Jose;

/// <summary>
/// Turns JSON into plain .NET values for display and scripting (header and claims on results):
/// objects become ordered dictionaries, arrays object[], numbers long or double.
/// Off the hot path: only computed when someone looks.
/// </summary>
internal static class JsonValues
{
    public static IReadOnlyDictionary<string, object?>? ToDictionary(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = JwsLimits.MaxJsonDepth });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (IReadOnlyDictionary<string, object?>)Convert(document.RootElement)!
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8, found only when it is read.
            return null;
        }
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ConvertObject(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        // Boxed apart: "? l : GetDouble()" is a double expression, and made every integer a double (ids past 2^53 changed).
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static Dictionary<string, object?> ConvertObject(JsonElement element)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = Convert(property.Value);
        }

        return result;
    }
}

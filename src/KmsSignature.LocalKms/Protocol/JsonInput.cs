using System.Text.Json;

namespace KmsSignature.LocalKms.Protocol;

/// <summary>
/// Typed, strict access to a request body. A member of the wrong JSON type is a SerializationException
/// (KMS's front end fails to deserialize it); a missing required member or a broken constraint is a
/// ValidationException worded like KMS's model validation. Unknown members are ignored, as KMS does.
/// </summary>
internal readonly struct JsonInput(JsonElement root)
{
    public static JsonInput Parse(ReadOnlyMemory<byte> body, out JsonDocument document)
    {
        if (body.IsEmpty)
        {
            // The SDK always sends "{}" for empty requests; an empty body is what curl sends.
            document = JsonDocument.Parse("{}");
            return new JsonInput(document.RootElement);
        }

        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            throw KmsErrorException.Serialization("Start of structure or map found where not expected, or the request body is not valid JSON.");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw KmsErrorException.Serialization("The request body must be a JSON object.");
        }

        return new JsonInput(document.RootElement);
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private bool TryGet(string name, out JsonElement value)
    {
        if (root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    private static KmsErrorException WrongType(string name, JsonElement value, string expected) =>
        KmsErrorException.Serialization($"{value.ValueKind.ToString().ToUpperInvariant()} value for '{name}' cannot be converted to {expected}.");

    public string? String(string name, int minLength = 1, int maxLength = int.MaxValue)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(name, value, "a String");
        }

        var text = value.GetString()!;
        if (text.Length < minLength)
        {
            throw KmsErrorException.Constraint(Camel(name), text, $"Member must have length greater than or equal to {minLength}");
        }

        if (text.Length > maxLength)
        {
            throw KmsErrorException.Constraint(Camel(name), text.Length > 64 ? text[..64] + "..." : text, $"Member must have length less than or equal to {maxLength}");
        }

        return text;
    }

    public string RequiredString(string name, int minLength = 1, int maxLength = int.MaxValue) =>
        String(name, minLength, maxLength) ?? throw KmsErrorException.Constraint(Camel(name), null, "Member must not be null");

    public string? Enum(string name, IReadOnlyCollection<string> allowed)
    {
        var text = String(name, 0);
        if (text is not null && !allowed.Contains(text))
        {
            throw KmsErrorException.Constraint(Camel(name), text, $"Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }

        return text;
    }

    public string RequiredEnum(string name, IReadOnlyCollection<string> allowed) =>
        Enum(name, allowed) ?? throw KmsErrorException.Constraint(Camel(name), null, "Member must not be null");

    public bool? Bool(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, value, "a Boolean"),
        };
    }

    public int? Int(string name, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw WrongType(name, value, "an Integer");
        }

        if (number < min)
        {
            throw KmsErrorException.Constraint(Camel(name), number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"Member must have value greater than or equal to {min}");
        }

        if (number > max)
        {
            throw KmsErrorException.Constraint(Camel(name), number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"Member must have value less than or equal to {max}");
        }

        return number;
    }

    public byte[]? Blob(string name, int minLength, int maxLength)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(name, value, "a Blob");
        }

        byte[] bytes;
        try
        {
            bytes = value.GetBytesFromBase64();
        }
        catch (FormatException)
        {
            throw KmsErrorException.Serialization($"Value for '{name}' is not valid base64.");
        }

        if (bytes.Length < minLength)
        {
            throw KmsErrorException.Constraint(Camel(name), "java.nio.HeapByteBuffer", $"Member must have length greater than or equal to {minLength}");
        }

        if (bytes.Length > maxLength)
        {
            throw KmsErrorException.Constraint(Camel(name), "java.nio.HeapByteBuffer", $"Member must have length less than or equal to {maxLength}");
        }

        return bytes;
    }

    public byte[] RequiredBlob(string name, int minLength, int maxLength) =>
        Blob(name, minLength, maxLength) ?? throw KmsErrorException.Constraint(Camel(name), null, "Member must not be null");

    public IReadOnlyList<JsonInput>? ObjectList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, value, "a List");
        }

        var items = new List<JsonInput>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw WrongType(name, item, "a Structure");
            }

            items.Add(new JsonInput(item));
        }

        return items;
    }

    public IReadOnlyList<string>? StringList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, value, "a List");
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw WrongType(name, item, "a String");
            }

            items.Add(item.GetString()!);
        }

        return items;
    }
}

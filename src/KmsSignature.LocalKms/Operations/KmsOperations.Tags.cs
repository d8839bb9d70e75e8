using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    // Request validation first, then key lookup, as KMS does (and the other operations here).
    private void TagResource(OperationContext context)
    {
        var tags = TagMembers(context.Input, required: true);
        var key = ResolveKey(context, allowAlias: false);
        CheckTagRules(tags);
        _store.Mutate(() =>
        {
            RequireChangeable(context, "kms:TagResource", key);
            var merged = key.Status.Tags.Where(t => tags.All(n => n.Key != t.Key)).Concat(tags).ToList();
            if (merged.Count > 50)
            {
                throw new KmsErrorException("LimitExceededException", "A KMS key can have at most 50 tags.");
            }

            key.SetStatus(key.Status with { Tags = merged });
        });
    }

    private void UntagResource(OperationContext context)
    {
        var tagKeys = context.Input.StringList("TagKeys") ?? throw KmsErrorException.Constraint("tagKeys", null, "Member must not be null");
        if (tagKeys.FirstOrDefault(static k => k.Length is < 1 or > 128) is { } badKey)
        {
            throw KmsErrorException.Constraint("tagKeys", Truncate(badKey), badKey.Length < 1
                ? "Member must satisfy constraint: [Member must have length greater than or equal to 1]"
                : "Member must satisfy constraint: [Member must have length less than or equal to 128]");
        }

        var key = ResolveKey(context, allowAlias: false);
        _store.Mutate(() =>
        {
            RequireChangeable(context, "kms:UntagResource", key);
            key.SetStatus(key.Status with { Tags = key.Status.Tags.Where(t => !tagKeys.Contains(t.Key)).ToList() });
        });
    }

    private void ListResourceTags(OperationContext context)
    {
        var limit = context.Input.Int("Limit", 1, 50) ?? 50;
        var marker = Marker(context.Input);
        var (key, status) = ResolveForRead(context, "kms:ListResourceTags", allowAlias: false);
        Authorize(context, "kms:ListResourceTags", key, status);
        // In tag key order, the marker naming the first key of the next page, which starts at the first key at or after it:
        // a marker stays valid, and no tag is listed twice or skipped, when tags are removed or re-tagged between pages.
        var tags = status.Tags.OrderBy(static t => t.Key, StringComparer.Ordinal).ToList();
        var start = marker is null ? 0 : tags.FindIndex(t => string.CompareOrdinal(t.Key, ParseTagMarker(marker)) >= 0);
        start = start < 0 ? tags.Count : start;
        var w = context.Output;
        w.WriteStartArray("Tags");
        foreach (var tag in tags.Skip(start).Take(limit))
        {
            w.WriteStartObject();
            w.WriteString("TagKey", tag.Key);
            w.WriteString("TagValue", tag.Value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WritePage(w, tags.Count > start + limit ? Base64Marker(tags[start + limit].Key) : null);
    }

    /// <summary>A ListResourceTags marker is the base64 of a tag key (any characters), so it fits the Marker pattern.</summary>
    private static string ParseTagMarker(string marker)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(marker));
        }
        catch (FormatException)
        {
            throw new KmsErrorException("InvalidMarkerException", "Invalid marker.");
        }
    }
}

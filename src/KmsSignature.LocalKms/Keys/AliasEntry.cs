namespace KmsSignature.LocalKms.Keys;

internal sealed record AliasEntry(string Name, string TargetKeyId, DateTimeOffset CreationDate, DateTimeOffset LastUpdatedDate);

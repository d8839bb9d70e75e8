namespace KmsSignature.Core.Signing;

/// <summary>One item's output from <see cref="OrderedParallelRunner{TInput, TOutput}"/>: its value, or the exception its work threw.</summary>
public readonly record struct OrderedOutcome<T>(T? Value, Exception? Error);

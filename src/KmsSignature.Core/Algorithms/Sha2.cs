using System.Security.Cryptography;

namespace KmsSignature.Core.Algorithms;

/// <summary>One-shot SHA-2 by name, the hashes KMS signing algorithms use (net8.0 has no CryptographicOperations.HashData).</summary>
internal static class Sha2
{
    public static bool Covers(HashAlgorithmName name) =>
        name == HashAlgorithmName.SHA256 || name == HashAlgorithmName.SHA384 || name == HashAlgorithmName.SHA512;

    public static byte[] HashData(HashAlgorithmName name, ReadOnlySpan<byte> data) =>
        name == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
        : name == HashAlgorithmName.SHA384 ? SHA384.HashData(data)
        : name == HashAlgorithmName.SHA512 ? SHA512.HashData(data)
        : throw new NotSupportedException($"No one-shot hash for {name}.");

    /// <summary>Hashes into <paramref name="destination"/> (at least 64 bytes suffice); returns the bytes written.</summary>
    public static int HashData(HashAlgorithmName name, ReadOnlySpan<byte> data, Span<byte> destination) =>
        name == HashAlgorithmName.SHA256 ? SHA256.HashData(data, destination)
        : name == HashAlgorithmName.SHA384 ? SHA384.HashData(data, destination)
        : name == HashAlgorithmName.SHA512 ? SHA512.HashData(data, destination)
        : throw new NotSupportedException($"No one-shot hash for {name}.");
}

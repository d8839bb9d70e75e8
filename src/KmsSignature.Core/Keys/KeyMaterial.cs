using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Keys;

/// <summary>
/// The raw parts of a public key: RSA (A = modulus, B = exponent, unsigned big-endian), EC (A = x, B = y,
/// fixed length), Ed25519 and ML-DSA (A = the encoded key, B empty).
/// </summary>
internal sealed record KeyMaterial(KmsKeySpec Spec, byte[] A, byte[] B);

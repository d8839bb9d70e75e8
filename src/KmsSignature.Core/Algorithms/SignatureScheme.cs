namespace KmsSignature.Core.Algorithms;

/// <summary>How a signature is computed; decides the verifier and the signature encoding.</summary>
public enum SignatureScheme
{
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    /// <summary>Pure Ed25519 (RFC 8032): the message itself is signed, so KMS takes it RAW only.</summary>
    Ed25519,
    /// <summary>Ed25519ph (RFC 8032 §5.1, HashEdDSA with SHA-512): a different scheme; KMS takes a DIGEST only.</summary>
    Ed25519Ph,
    MlDsa,
}

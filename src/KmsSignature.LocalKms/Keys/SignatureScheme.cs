namespace KmsSignature.LocalKms.Keys;

internal enum SignatureScheme
{
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    Ed25519,
    Ed25519ph,
    MlDsa,
}

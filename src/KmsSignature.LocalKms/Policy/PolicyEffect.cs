namespace KmsSignature.LocalKms.Policy;

internal enum PolicyEffect
{
    Allow,
    Deny,
}

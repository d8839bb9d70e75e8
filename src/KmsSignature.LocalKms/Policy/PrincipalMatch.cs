namespace KmsSignature.LocalKms.Policy;

internal enum PrincipalMatch
{
    None,
    Direct,
    AccountRoot,
}

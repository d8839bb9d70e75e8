namespace KmsSignature.LocalKms.Policy;

internal enum AuthorizationOutcome
{
    Allowed,
    ExplicitDenyInResourcePolicy,
    ExplicitDenyInIdentityPolicy,
    NoResourcePolicyAllows,
    NoIdentityPolicyAllows,
}

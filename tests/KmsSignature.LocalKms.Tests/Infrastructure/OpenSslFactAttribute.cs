namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>A fact that is skipped, with the reason shown, only when openssl is not on PATH.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    public OpenSslFactAttribute()
    {
        if (!OpenSsl.IsAvailable)
        {
            Skip = "openssl is not on PATH; install OpenSSL to run the independent signature checks.";
        }
    }
}

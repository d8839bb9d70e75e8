namespace KmsSignature.Core.Kms;

public enum KmsPolicyUpdateStatus
{
    /// <summary>PutKeyPolicy was called and the re-read policy holds our statements.</summary>
    Updated,

    /// <summary>The policy already said this: no PutKeyPolicy call was made.</summary>
    NoChange,
}

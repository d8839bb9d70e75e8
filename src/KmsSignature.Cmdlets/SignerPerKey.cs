using KmsSignature.Core;

namespace KmsSignature.Cmdlets;

/// <summary>
/// The signing cmdlets' signers, one per KMS key, each made when the first item for its key is really signed (so
/// -WhatIf makes no KMS call). A key that cannot be used (missing, disabled, the wrong spec for -Algorithm) ends the
/// run when -KeyId came from the command line, since nothing could be signed; a key piped in by property name
/// (Get-KmsSigningKey output) fails only its own items, and the other keys sign on, unless KMS itself could not be reached
/// or refused the credentials (<see cref="KmsSignatureException.IsRunWide"/>): no other key would fare better.
/// </summary>
internal sealed class SignerPerKey<T>
    where T : class
{
    private readonly Dictionary<string, T> signers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KmsSignatureException> unusable = new(StringComparer.Ordinal);
    private readonly Func<string, T> create;
    private readonly bool keysPiped;
    private readonly Action<KmsSignatureException> terminate;

    /// <param name="create">Makes the signer for a key id (KMS calls); throws <see cref="KmsSignatureException"/> when it cannot.</param>
    /// <param name="keysPiped">True when -KeyId was not on the command line, so each pipeline object brings its own.</param>
    /// <param name="terminate">Ends the run with the error (writes what is in flight, then throws a terminating error).</param>
    public SignerPerKey(Func<string, T> create, bool keysPiped, Action<KmsSignatureException> terminate)
    {
        this.create = create;
        this.keysPiped = keysPiped;
        this.terminate = terminate;
    }

    /// <summary>The key's signer, or null and the item's error when a piped key cannot be used.</summary>
    public T? Get(string keyId, out KmsSignatureException? error)
    {
        error = null;
        if (signers.TryGetValue(keyId, out var signer))
        {
            return signer;
        }

        if (unusable.TryGetValue(keyId, out error))
        {
            return null; // asked once: every later item of this key gets the same answer without a KMS call
        }

        try
        {
            signer = create(keyId);
        }
        catch (KmsSignatureException ex) when (keysPiped && !ex.IsRunWide)
        {
            unusable[keyId] = ex;
            error = ex;
            return null;
        }
        catch (KmsSignatureException ex)
        {
            terminate(ex);
            throw; // terminate throws; this keeps the compiler and a careless terminate honest
        }

        signers[keyId] = signer;
        return signer;
    }
}

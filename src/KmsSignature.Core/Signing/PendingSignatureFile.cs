using KmsSignature.Core.Files;

namespace KmsSignature.Core.Signing;

/// <summary>
/// A detached signature KMS has made whose file is not written yet. Bulk signing runs many Sign calls at once but
/// writes each file only when its result is reported, in input order on the pipeline thread: a run that ends early
/// (Ctrl+C, <c>-ErrorAction Stop</c>, a break downstream) then leaves no signature file for an item it never reported,
/// and nothing is written after the run has ended.
/// </summary>
public sealed class PendingSignatureFile
{
    private readonly byte[] content;
    private readonly bool force;

    internal PendingSignatureFile(KmsDetachedSignature signature, byte[] content, bool force)
    {
        Signature = signature;
        this.content = content;
        this.force = force;
    }

    /// <summary>The signature as it is reported once written (<see cref="KmsDetachedSignature.SignaturePath"/> null: nothing to write).</summary>
    public KmsDetachedSignature Signature { get; }

    /// <summary>Writes the signature file atomically (none for a signature that was only to be returned); throws OutputFileExists or OutputNotWritable.</summary>
    public KmsDetachedSignature Write()
    {
        if (Signature.SignaturePath is { } signaturePath)
        {
            AtomicFile.Write(signaturePath, content, force);
        }

        return Signature;
    }
}

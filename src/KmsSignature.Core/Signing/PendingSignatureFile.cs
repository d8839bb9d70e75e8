using KmsSignature.Core.Files;

namespace KmsSignature.Core.Signing;

/// <summary>
/// A detached signature KMS has made whose file is prepared (written and flushed to a temporary file next to it by the
/// Sign call, in parallel with the others) but not in place yet. Bulk signing commits each file only when its result is
/// reported, in input order on the pipeline thread, and discards those it never reports: a run that ends early
/// (Ctrl+C, <c>-ErrorAction Stop</c>, a break downstream) then leaves no signature file, and no temporary file, for an item it
/// never reported.
/// </summary>
public sealed class PendingSignatureFile
{
    private readonly PreparedFile? file;

    internal PendingSignatureFile(KmsDetachedSignature signature, PreparedFile? file)
    {
        Signature = signature;
        this.file = file;
    }

    /// <summary>The signature as it is reported once committed (<see cref="KmsDetachedSignature.SignaturePath"/> null: nothing to write).</summary>
    public KmsDetachedSignature Signature { get; }

    /// <summary>Puts the signature file in place (none for a signature that was only to be returned); throws OutputFileExists or OutputNotWritable.</summary>
    public KmsDetachedSignature Commit()
    {
        file?.Commit();
        return Signature;
    }

    /// <summary>Deletes the prepared file unless it was committed; safe from any thread, and more than once.</summary>
    public void Discard() => file?.Discard();
}

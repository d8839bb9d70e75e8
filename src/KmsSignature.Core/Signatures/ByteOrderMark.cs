namespace KmsSignature.Core.Signatures;

/// <summary>The byte order marks of the wide Unicode encodings, as text that is not UTF-8 announces itself.</summary>
internal static class ByteOrderMark
{
    /// <summary>
    /// UTF-16 or UTF-32 text by its byte order mark: the code unit's width in bytes (also the mark's length) and byte
    /// order; width 0 when there is no such mark. UTF-32LE's mark starts as UTF-16LE's does, so it is tried first.
    /// </summary>
    public static (int Width, bool BigEndian) Wide(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x00, 0x00, 0xFE, 0xFF, ..] => (4, true),
        [0xFF, 0xFE, 0x00, 0x00, ..] => (4, false),
        [0xFE, 0xFF, ..] => (2, true),
        [0xFF, 0xFE, ..] => (2, false),
        _ => (0, false),
    };
}

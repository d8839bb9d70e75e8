namespace KmsSignature.Core.Signatures;

/// <summary>
/// Decodes signature files the way people make them: binary (<c>openssl dgst -sign -out</c>, <c>aws kms sign</c>
/// piped through <c>base64 -d</c>) or text (base64 as the AWS CLI prints it, wrapped or not, or base64url), in ASCII,
/// or UTF-8, UTF-16 or UTF-32 with a byte order mark as PowerShell writes it.
/// </summary>
public static class SignatureEncoding
{
    /// <summary>Signature files larger than this are not signatures (ML-DSA-87's 4,627 bytes is the largest, ×2 for text).</summary>
    public const int MaxSignatureFileLength = 64 * 1024;

    /// <summary>
    /// Text when every byte is a base64/base64url character, '=' or whitespace and it decodes; otherwise the bytes
    /// themselves. A binary signature passing as text would need hundreds of random bytes all in that alphabet.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> file, out bool wasText)
    {
        var text = WithoutByteOrderMark(file);
        var decoded = DecodeText(text.IsEmpty ? file : text, out wasText);
        return wasText ? decoded : file.ToArray();
    }

    // PowerShell writes text with a byte order mark: Windows PowerShell's Out-File and '>' UTF-16LE, Set-Content
    // -Encoding UTF8 UTF-8, -Encoding BigEndianUnicode UTF-16BE, and either PowerShell's -Encoding UTF32 (or
    // BigEndianUTF32) UTF-32. Returns the text as single bytes, or empty when the file has no byte order mark or is not
    // ASCII text in the encoding it names (then it is taken as binary, as it is).
    private static ReadOnlySpan<byte> WithoutByteOrderMark(ReadOnlySpan<byte> file)
    {
        if (file is [0xEF, 0xBB, 0xBF, _, ..])
        {
            return file[3..];
        }

        var (unit, bigEndian) = ByteOrderMark.Wide(file);
        if (unit == 0 || file.Length % unit != 0)
        {
            return default;
        }

        var units = file[unit..];
        var ascii = new byte[units.Length / unit];
        for (var i = 0; i < ascii.Length; i++)
        {
            var code = units.Slice(i * unit, unit);
            var low = bigEndian ? code[^1] : code[0];
            var rest = bigEndian ? code[..^1] : code[1..];
            if (low > 0x7F || rest.ContainsAnyExcept((byte)0))
            {
                return default;
            }

            ascii[i] = low;
        }

        return ascii;
    }

    private static byte[] DecodeText(ReadOnlySpan<byte> file, out bool wasText)
    {
        wasText = false;
        if (file.IsEmpty || !LooksLikeText(file))
        {
            return [];
        }

        Span<char> chars = file.Length <= 16 * 1024 ? stackalloc char[file.Length] : new char[file.Length];
        var count = 0;
        foreach (var b in file)
        {
            switch (b)
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'=':
                    continue;
                case (byte)'-':
                    chars[count++] = '+';
                    break;
                case (byte)'_':
                    chars[count++] = '/';
                    break;
                default:
                    chars[count++] = (char)b;
                    break;
            }
        }

        if (count % 4 == 1)
        {
            return [];
        }

        var padded = new char[(count + 3) / 4 * 4];
        chars[..count].CopyTo(padded);
        padded.AsSpan(count).Fill('=');
        var result = new byte[padded.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(padded, result, out var written))
        {
            return [];
        }

        wasText = true;
        return result[..written];
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> file)
    {
        foreach (var b in file)
        {
            var ok = b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'+' or (byte)'/' or (byte)'-' or (byte)'_' or (byte)'=' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

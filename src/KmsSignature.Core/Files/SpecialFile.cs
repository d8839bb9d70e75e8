using System.Runtime.InteropServices;

namespace KmsSignature.Core.Files;

/// <summary>
/// Named pipes, sockets and devices: entries a directory listing shows as files, but that are not files to read. Opening
/// a named pipe waits for a writer, possibly forever; a socket cannot be opened; a device may never end.
/// </summary>
public static class SpecialFile
{
    // File type bits of the mode as the runtime's native shim reports them (its own constants, the same on every Unix).
    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int Directory = 0x4000;
    private const int SymbolicLink = 0xA000;

    // The shim's FileStatus is about 130 bytes (two ints, then uids, sizes and times); room to spare for later runtimes.
    private const int StatusBufferSize = 512;

    /// <summary>
    /// True when <paramref name="path"/>, links followed, is a named pipe, socket or device. False for a regular file, a
    /// directory, and a path that cannot be examined (missing, a dangling link): opening it reports why.
    /// </summary>
    public static bool Is(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false; // no named pipes or devices among a directory's files
        }

        // net8.0 has no public file type on Unix (dotnet/runtime#85148; .NET 11 adds SafeFileHandle.Type), and opening
        // the file to ask would block on a named pipe. The runtime's own shim stats the path without opening it.
        Span<byte> status = stackalloc byte[StatusBufferSize];
        int result;
        try
        {
            result = Stat(path, ref MemoryMarshal.GetReference(status));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a runtime without the shim: files are read as before
        }

        if (result != 0)
        {
            return false;
        }

        var type = MemoryMarshal.Read<int>(status[4..]) & TypeMask;
        return type is not (RegularFile or Directory or SymbolicLink);
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte status);
}

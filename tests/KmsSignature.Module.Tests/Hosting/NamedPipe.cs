using System.Runtime.InteropServices;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>Named pipes (FIFOs): files with no length, whose content arrives when and as fast as a writer sends it.</summary>
internal static class NamedPipe
{
    /// <summary>Makes a named pipe at <paramref name="path"/>, readable and writable by this user only.</summary>
    public static void Create(string path) =>
        Assert.True(MakeFifo(path, Convert.ToUInt32("600", 8)) == 0, $"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}

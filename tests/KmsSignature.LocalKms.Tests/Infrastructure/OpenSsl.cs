using System.Diagnostics;
using System.Text;

namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>Runs the openssl command line: an independent verifier for LocalKms signatures.</summary>
public static class OpenSsl
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            return Run(["version"], out _) == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public static bool IsAvailable => Available.Value;

    public static int Run(IReadOnlyList<string> arguments, out string output)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        output = stdout.Result + stderr.Result;
        return process.ExitCode;
    }

    /// <summary>The PEM a user makes from GetPublicKey's DER SubjectPublicKeyInfo.</summary>
    public static string PemFromSpki(byte[] spki)
    {
        var builder = new StringBuilder("-----BEGIN PUBLIC KEY-----\n");
        var base64 = Convert.ToBase64String(spki);
        for (var i = 0; i < base64.Length; i += 64)
        {
            builder.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        }

        return builder.Append("-----END PUBLIC KEY-----\n").ToString();
    }
}

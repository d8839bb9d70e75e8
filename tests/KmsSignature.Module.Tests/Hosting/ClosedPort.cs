using System.Net;
using System.Net.Sockets;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>A loopback port nothing listens on (just freed): a KMS endpoint there refuses every connection.</summary>
internal static class ClosedPort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

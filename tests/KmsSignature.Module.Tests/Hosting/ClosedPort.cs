using System.Net;
using System.Net.Sockets;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// A loopback port that refuses connections for as long as this is held: bound, never listening. A port found free and
/// let go again could be taken meanwhile by a LocalKms of a test running alongside, which then answered the
/// "unreachable" endpoint (seen as KmsInvalidSignature, its SigV4 check failing, instead of KmsEndpointUnreachable).
/// </summary>
internal sealed class ClosedPort : IDisposable
{
    // No SO_REUSEADDR: the kernel gives no other socket this port while it is bound here.
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => socket.Dispose();
}

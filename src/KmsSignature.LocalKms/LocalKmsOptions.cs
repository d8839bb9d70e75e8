namespace KmsSignature.LocalKms;

/// <summary>How a <see cref="LocalKmsServer"/> starts: Region, account, port, persistence and callers.</summary>
public sealed class LocalKmsOptions
{
    /// <summary>The Region in key ARNs and the only SigV4 credential scope Region accepted.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The 12-digit account that owns every key.</summary>
    public string AccountId { get; init; } = "111122223333";

    /// <summary>TCP port on 127.0.0.1; 0 lets the OS choose one (read it back from <see cref="LocalKmsServer.Endpoint"/>).</summary>
    public int Port { get; init; }

    /// <summary>Directory where state (including private keys, IN THE CLEAR) persists; null keeps everything in memory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The callers the service recognises; null means the three defaults of <see cref="LocalKmsPrincipal"/>.</summary>
    public IReadOnlyList<LocalKmsPrincipal>? Principals { get; init; }

    /// <summary>
    /// The clock for key and alias dates, and for when a key scheduled for deletion is deleted. Tests move it forward
    /// to see a deletion happen; SigV4 request times are always checked against the real clock.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

namespace KmsSignature.LocalKms;

/// <summary>
/// Faults injected into one operation (or into all of them, see <see cref="LocalKmsFaults.All"/>).
/// Settings can change while the server runs; each request reads them once.
/// </summary>
public sealed class LocalKmsFaultSettings
{
    private readonly object _bucketLock = new();
    private double? _requestsPerSecond;
    private double _tokens;
    private long _lastRefillTicks;

    private TimeSpan _latency;
    private TimeSpan _jitter;
    private double _errorProbability;
    private int _errorStatusCode = 500;
    private double _dropConnectionProbability;

    /// <summary>Fixed delay added before the request is processed; not negative.</summary>
    public TimeSpan Latency
    {
        get => _latency;
        set => _latency = NotNegative(value);
    }

    /// <summary>Extra uniformly random delay in [0, Jitter) added to <see cref="Latency"/>; not negative.</summary>
    public TimeSpan Jitter
    {
        get => _jitter;
        set => _jitter = NotNegative(value);
    }

    /// <summary>
    /// Token-bucket quota (bucket size = one second of requests, like KMS's per-second quotas);
    /// requests beyond it get HTTP 400 ThrottlingException. Null = unlimited.
    /// </summary>
    public double? RequestsPerSecond
    {
        get => _requestsPerSecond;
        set
        {
            if (value is { } rate && !(rate > 0 && double.IsFinite(rate)))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "RequestsPerSecond must be a positive finite number, or null.");
            }

            lock (_bucketLock)
            {
                _requestsPerSecond = value;
                _tokens = value ?? 0;
                _lastRefillTicks = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>Probability in [0, 1] that the request fails with <see cref="ErrorStatusCode"/>.</summary>
    public double ErrorProbability
    {
        get => _errorProbability;
        set => _errorProbability = Probability(value);
    }

    /// <summary>500 (KMSInternalException) or 503 (ServiceUnavailableException) for injected errors.</summary>
    public int ErrorStatusCode
    {
        get => _errorStatusCode;
        set => _errorStatusCode = value is 500 or 503
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "ErrorStatusCode must be 500 (KMSInternalException) or 503 (ServiceUnavailableException).");
    }

    /// <summary>Probability in [0, 1] that the connection is aborted without any response.</summary>
    public double DropConnectionProbability
    {
        get => _dropConnectionProbability;
        set => _dropConnectionProbability = Probability(value);
    }

    private static TimeSpan NotNegative(TimeSpan value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{name} must not be negative.");

    // A probability is a fraction: 50 meant as "50 %" would otherwise fail every request, and NaN none.
    private static double Probability(double value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{name} is a probability from 0 to 1 (0.5 = half of the requests).");

    /// <summary>Back to no faults.</summary>
    public void Reset()
    {
        Latency = TimeSpan.Zero;
        Jitter = TimeSpan.Zero;
        RequestsPerSecond = null;
        ErrorProbability = 0;
        ErrorStatusCode = 500;
        DropConnectionProbability = 0;
    }

    internal bool IsInactive =>
        Latency == TimeSpan.Zero && Jitter == TimeSpan.Zero && _requestsPerSecond is null
        && ErrorProbability <= 0 && DropConnectionProbability <= 0;

    /// <summary>Takes one token; false when the bucket is empty (the request is throttled).</summary>
    internal bool TryTakeToken()
    {
        if (_requestsPerSecond is null)
        {
            return true;
        }

        lock (_bucketLock)
        {
            if (_requestsPerSecond is not { } rate)
            {
                return true;
            }

            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var elapsed = (now - _lastRefillTicks) / (double)System.Diagnostics.Stopwatch.Frequency;
            _lastRefillTicks = now;
            _tokens = Math.Min(Math.Max(rate, 1), _tokens + (elapsed * rate));
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}

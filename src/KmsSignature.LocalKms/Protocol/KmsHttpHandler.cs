using System.Buffers;
using System.Text.Json;
using KmsSignature.LocalKms.Operations;
using Microsoft.AspNetCore.Http;

namespace KmsSignature.LocalKms.Protocol;

/// <summary>
/// The AWS JSON 1.1 wire protocol: POST / with X-Amz-Target "TrentService.&lt;Operation&gt;", SigV4 auth,
/// JSON body; success is 200 + JSON, failure is 4xx/5xx + {"__type", "message"}; every response carries
/// x-amzn-RequestId. Nothing a client sends may take the server down: every failure becomes a response.
/// </summary>
internal sealed class KmsHttpHandler(KmsOperations operations, SigV4Authenticator authenticator, LocalKmsFaults faults, LocalKmsCounters counters)
{
    /// <summary>Largest accepted request body; KMS requests are small (policies ≤ 32 KB, messages ≤ 4 KB).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private const string TargetPrefix = "TrentService.";
    private const string ContentType = "application/x-amz-json-1.1";

    // KMS writes apostrophes, '<' and non-ASCII as-is; the default encoder would escape them as \u0027 etc.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        try
        {
            await HandleCoreAsync(http).ConfigureAwait(false);
        }
        catch (KmsErrorException error)
        {
            await WriteErrorAsync(http, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // Client went away; nothing to answer.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await WriteErrorAsync(http, new KmsErrorException("KMSInternalException", $"LocalKms internal error: {ex.GetType().Name}: {ex.Message}", 500)).ConfigureAwait(false);
        }
    }

    private async Task HandleCoreAsync(HttpContext http)
    {
        var request = http.Request;
        var target = request.Headers["X-Amz-Target"].ToString();
        if (!HttpMethods.IsPost(request.Method) || !target.StartsWith(TargetPrefix, StringComparison.Ordinal))
        {
            throw new KmsErrorException("UnknownOperationException", string.Empty);
        }

        var operation = target[TargetPrefix.Length..];
        var handler = operations.Find(operation);

        if (request.ContentLength > MaxBodyBytes)
        {
            counters.Record(operation, null);
            throw new KmsErrorException("RequestEntityTooLargeException", $"Request body of {request.ContentLength} bytes exceeds the {MaxBodyBytes}-byte limit.", 413);
        }

        var body = await ReadBodyAsync(request, http.RequestAborted).ConfigureAwait(false);
        Policy.CallerIdentity caller;
        try
        {
            caller = authenticator.Authenticate(request, body.Span);
        }
        catch (KmsErrorException)
        {
            counters.Record(operation, null);
            throw;
        }

        counters.Record(operation, caller.Arn);
        if (!await ApplyFaultsAsync(http, operation).ConfigureAwait(false))
        {
            return;
        }

        var input = JsonInput.Parse(body, out var document);
        using (document)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                handler(new OperationContext(caller, input, writer));
                writer.WriteEndObject();
            }

            http.Response.StatusCode = 200;
            http.Response.ContentType = ContentType;
            http.Response.ContentLength = buffer.WrittenCount;
            await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = new byte[request.ContentLength is > 0 and <= MaxBodyBytes ? (int)request.ContentLength.Value : 4096];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > MaxBodyBytes)
                {
                    throw new KmsErrorException("RequestEntityTooLargeException", $"Request body exceeds the {MaxBodyBytes}-byte limit.", 413);
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += read;
        }
    }

    /// <summary>Injected faults: All first, then the operation's own. False when the connection was dropped.</summary>
    private async Task<bool> ApplyFaultsAsync(HttpContext http, string operation)
    {
        var all = faults.All.IsInactive ? null : faults.All;
        var own = faults.Find(operation);
        if (all is null && own is null)
        {
            return true;
        }

        foreach (var settings in new[] { all, own })
        {
            if (settings is null)
            {
                continue;
            }

            var delay = settings.Latency;
            if (settings.Jitter > TimeSpan.Zero)
            {
                delay += TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * settings.Jitter.Ticks));
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, http.RequestAborted).ConfigureAwait(false);
            }

            if (!settings.TryTakeToken())
            {
                throw new KmsErrorException("ThrottlingException", "Rate exceeded");
            }

            if (settings.DropConnectionProbability > 0 && Random.Shared.NextDouble() < settings.DropConnectionProbability)
            {
                http.Abort();
                return false;
            }

            if (settings.ErrorProbability > 0 && Random.Shared.NextDouble() < settings.ErrorProbability)
            {
                throw settings.ErrorStatusCode == 503
                    ? new KmsErrorException("ServiceUnavailableException", "Service is unavailable (injected by LocalKms).", 503)
                    : new KmsErrorException("KMSInternalException", "The request was rejected because an internal exception occurred (injected by LocalKms).", 500);
            }
        }

        return true;
    }

    private static async Task WriteErrorAsync(HttpContext http, KmsErrorException error)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", error.ErrorType);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        http.Response.StatusCode = error.StatusCode;
        http.Response.ContentType = ContentType;
        http.Response.ContentLength = buffer.WrittenCount;
        try
        {
            await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // Client disconnected mid-response.
        }
    }
}

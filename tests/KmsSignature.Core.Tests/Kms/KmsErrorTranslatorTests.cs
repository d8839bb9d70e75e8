using System.Net;
using System.Net.Http;
using Amazon.Runtime;
using KmsSignature.Core;
using KmsSignature.Core.Kms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class KmsErrorTranslatorTests
{
    [Theory]
    [InlineData("AccessDeniedException", ErrorKind.PermissionDenied, "KmsSignature.KmsAccessDenied")]
    [InlineData("NotFoundException", ErrorKind.ObjectNotFound, "KmsSignature.KmsNotFound")]
    [InlineData("ThrottlingException", ErrorKind.LimitsExceeded, "KmsSignature.KmsThrottling")]
    [InlineData("DisabledException", ErrorKind.InvalidOperation, "KmsSignature.KmsDisabled")]
    [InlineData("KMSInvalidStateException", ErrorKind.InvalidOperation, "KmsSignature.KmsInvalidState")]
    [InlineData("AlreadyExistsException", ErrorKind.ResourceExists, "KmsSignature.KmsAlreadyExists")]
    [InlineData("MalformedPolicyDocumentException", ErrorKind.InvalidArgument, "KmsSignature.KmsMalformedPolicyDocument")]
    [InlineData("UnrecognizedClientException", ErrorKind.AuthenticationError, "KmsSignature.KmsUnrecognizedClient")]
    public void Service_errors_keep_code_message_and_request_id(string code, ErrorKind kind, string errorId)
    {
        var service = new AmazonServiceException("the KMS message", ErrorType.Sender, code, "req-123", HttpStatusCode.BadRequest);

        var ex = KmsErrorTranslator.Translate(service, "Sign", "alias/app");

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(code, ex.KmsErrorCode);
        Assert.Equal("req-123", ex.RequestId);
        Assert.Equal("alias/app", ex.Target);
        Assert.Contains("the KMS message", ex.Message);
        Assert.Contains("req-123", ex.Message);
    }

    [Fact]
    public void Server_faults_are_resource_unavailable()
    {
        var service = new AmazonServiceException("boom", ErrorType.Receiver, "KMSInternalException", "r", HttpStatusCode.InternalServerError);
        Assert.Equal(ErrorKind.ResourceUnavailable, KmsErrorTranslator.Translate(service, "Sign", null).Kind);
    }

    // A gateway in front of KMS (502 with an HTML page) or a 5xx with an empty body has no KMS error code: it was
    // KmsCallFailed (InvalidOperation) saying "The service returned an error. See inner exception for details.", with
    // neither the HTTP status nor the request id. The SDK's real exception, from a real HTTP answer.
    [Theory]
    [InlineData("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 19\r\nConnection: close\r\n\r\n<html>gateway</html", 502, null)]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nx-amzn-RequestId: rid-500\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 500, "rid-500")]
    public async Task An_HTTP_error_without_a_KMS_error_code_keeps_the_status_and_request_id(string answer, int status, string? requestId)
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            var stream = socket.GetStream();
            _ = await stream.ReadAsync(new byte[16384]);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(answer));
        });
        using var client = new Amazon.KeyManagementService.AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKID", "s"),
            new Amazon.KeyManagementService.AmazonKeyManagementServiceConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

        var thrown = await Assert.ThrowsAnyAsync<AmazonServiceException>(() =>
            client.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = "alias/x" }));
        await server;
        var ex = KmsErrorTranslator.Translate(thrown, "DescribeKey", "alias/x", endpoint);

        Assert.Equal("KmsSignature.KmsHttpError", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, ex.Kind);
        Assert.Equal("alias/x", ex.Target);
        Assert.Contains($"HTTP {status}", ex.Message);
        Assert.Equal(requestId, ex.RequestId);
        if (requestId is not null)
        {
            Assert.Contains(requestId, ex.Message);
        }
    }

    // An endpoint that accepts the connection and never answers: the SDK's TimeoutException (over a TaskCanceledException
    // and a SocketException "Operation canceled") was "KmsEndpointUnreachable ... could not reach ...: Operation canceled".
    [Fact]
    public async Task A_call_that_times_out_is_a_KmsTimeout_not_a_cancellation()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        using var client = new Amazon.KeyManagementService.AmazonKeyManagementServiceClient(new BasicAWSCredentials("AKID", "s"),
            new Amazon.KeyManagementService.AmazonKeyManagementServiceConfig
            {
                ServiceURL = endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromMilliseconds(500),
            });

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() =>
            client.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = "alias/x" }));
        Assert.IsNotAssignableFrom<OperationCanceledException>(thrown); // not mistaken for Ctrl+C by the callers
        var ex = KmsErrorTranslator.Translate(thrown, "DescribeKey", "alias/x", endpoint);

        Assert.Equal("KmsSignature.KmsTimeout", ex.ErrorId);
        Assert.Equal("OperationTimeout", ex.Kind.ToString()); // ErrorKind.OperationTimeout (ErrorCategory.OperationTimeout)
        Assert.Equal("alias/x", ex.Target);
        Assert.Contains("timed out", ex.Message);
        Assert.DoesNotContain("canceled", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(KmsErrorTranslator.IsTransient(thrown));
        Assert.True(ex.IsRunWide); // retries included: every later call would wait as long
    }

    [Fact]
    public void Unreachable_endpoint_is_a_connection_error()
    {
        var wrapped = new AmazonServiceException("request failed", new HttpRequestException("Connection refused"));

        var ex = KmsErrorTranslator.Translate(wrapped, "DescribeKey", "alias/x", new Uri("http://127.0.0.1:9/"));

        Assert.Equal("KmsSignature.KmsEndpointUnreachable", ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        Assert.Contains("127.0.0.1:9", ex.Message);
        Assert.True(ex.IsRunWide);
    }

    // The cmdlets end a run on a run-wide error; anything about one item (its key, its access, throttling) must not.
    [Theory]
    [InlineData("NotFoundException", 400, false)]
    [InlineData("AccessDeniedException", 400, false)]
    [InlineData("DisabledException", 400, false)]
    [InlineData("ThrottlingException", 400, false)]
    [InlineData("KMSInternalException", 500, false)]
    [InlineData("UnrecognizedClientException", 400, true)]
    [InlineData("InvalidSignatureException", 400, true)]
    [InlineData("ExpiredTokenException", 400, true)]
    public void Only_refused_credentials_among_KMS_refusals_end_a_run(string code, int status, bool runWide)
    {
        var refused = new AmazonServiceException("refused", null, ErrorType.Sender, code, "req-1", (System.Net.HttpStatusCode)status);

        Assert.Equal(runWide, KmsErrorTranslator.Translate(refused, "Sign", "alias/x").IsRunWide);
    }

    // Sign retries transient failures; one of our own errors is already the answer (an STS host that cannot be reached
    // while fetching assume-role credentials is CredentialsUnavailable, and retrying it only delays that answer).
    [Fact]
    public void Our_own_errors_are_never_transient_even_when_they_wrap_a_network_failure()
    {
        var network = new HttpRequestException("Connection refused");
        Assert.True(KmsErrorTranslator.IsTransient(network));
        Assert.True(KmsErrorTranslator.IsTransient(new AmazonServiceException("request failed", network)));

        var ours = new KmsSignatureException("CredentialsUnavailable", ErrorKind.AuthenticationError, "Could not get AWS credentials", null, network);
        Assert.False(KmsErrorTranslator.IsTransient(ours));
        Assert.False(KmsErrorTranslator.IsTransient(new AmazonClientException("credentials", ours)));
    }
}

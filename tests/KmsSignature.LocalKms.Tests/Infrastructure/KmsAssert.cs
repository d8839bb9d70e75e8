using System.Net;
using Amazon.KeyManagementService;

namespace KmsSignature.LocalKms.Tests.Infrastructure;

public static class KmsAssert
{
    private const string RequestId = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

    /// <summary>Asserts the SDK surfaced a KMS error with this code (the wire __type), HTTP status and a request id.</summary>
    public static async Task<AmazonKeyManagementServiceException> ErrorAsync(string errorCode, Func<Task> call, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(call);
        Assert.Equal(errorCode, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Matches(RequestId, ex.RequestId); // KMS errors carry x-amzn-RequestId
        return ex;
    }

    public static async Task<TException> ErrorAsync<TException>(string errorCode, Func<Task> call, HttpStatusCode status = HttpStatusCode.BadRequest)
        where TException : AmazonKeyManagementServiceException
    {
        var ex = await Assert.ThrowsAsync<TException>(call);
        Assert.Equal(errorCode, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Matches(RequestId, ex.RequestId);
        return ex;
    }
}

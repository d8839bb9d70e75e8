using KmsSignature.Core.Signing;

namespace KmsSignature.Core.Tests.Signing;

public sealed class WaitsTests
{
    [Fact]
    public async Task UntilDone_completes_with_its_task_whatever_the_outcome()
    {
        using var stopping = new CancellationTokenSource();
        var failing = new TaskCompletionSource();
        var wait = Waits.UntilDone(failing.Task, stopping.Token);
        Assert.False(wait.IsCompleted);

        failing.SetException(new InvalidOperationException());
        await wait;
    }

    [Fact]
    public async Task UntilDone_ends_with_the_token()
    {
        using var stopping = new CancellationTokenSource();
        var wait = Waits.UntilDone(new TaskCompletionSource().Task, stopping.Token);

        stopping.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}

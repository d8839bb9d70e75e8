using System.Reflection;
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

    // A bulk New-KmsSignature waits once per item on its cmdlet's token: each wait that ended with its task left a
    // registration (an endless Task.Delay) on that token until the run ended, a million for a million files.
    [Fact]
    public async Task UntilDone_leaves_nothing_registered_on_the_token_once_its_task_is_done()
    {
        using var stopping = new CancellationTokenSource();
        for (var i = 0; i < 100; i++)
        {
            var operation = new TaskCompletionSource();
            var wait = Waits.UntilDone(operation.Task, stopping.Token);
            operation.SetResult();
            await wait;
        }

        Assert.Equal(0, Registrations(stopping));
    }

    // The runtime keeps a token's callbacks in a linked list (CancellationTokenSource._registrations.Callbacks); no public
    // API counts them. Missing fields fail the test rather than read as none.
    private static int Registrations(CancellationTokenSource source)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var registrations = typeof(CancellationTokenSource).GetField("_registrations", Instance)
                            ?? throw new MissingFieldException("CancellationTokenSource._registrations");
        var list = registrations.GetValue(source);
        if (list is null)
        {
            return 0;
        }

        var callbacks = list.GetType().GetField("Callbacks", Instance) ?? throw new MissingFieldException("Registrations.Callbacks");
        var count = 0;
        for (var node = callbacks.GetValue(list); node is not null; node = node.GetType().GetField("Next", Instance)!.GetValue(node))
        {
            count++;
        }

        return count;
    }
}

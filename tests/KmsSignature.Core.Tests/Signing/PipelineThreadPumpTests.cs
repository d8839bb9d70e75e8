using System.Reflection;
using KmsSignature.Core.Signing;

namespace KmsSignature.Core.Tests.Signing;

public sealed class PipelineThreadPumpTests
{
    [Fact]
    public async Task Wait_runs_posted_actions_on_the_waiting_thread_until_the_task_completes()
    {
        var pump = new PipelineThreadPump();
        var operation = new TaskCompletionSource();
        var ran = new List<int>();
        var posted = new TaskCompletionSource();
        var waiting = Task.Run(() =>
        {
            var thread = Environment.CurrentManagedThreadId;
            pump.Wait(operation.Task);
            return thread;
        });

        pump.Post(() =>
        {
            ran.Add(Environment.CurrentManagedThreadId);
            posted.SetResult();
        });
        await posted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);

        operation.SetResult();
        var thread = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([thread], ran);
    }

    // Waiting through the task's AsyncWaitHandle made an event on it per wait (one per item of a bulk run) that nothing
    // disposed: disposing the task is not the waiter's to do, as a task may be shared (a cache handing it to several callers).
    [Fact]
    public async Task Wait_makes_no_wait_handle_on_the_task()
    {
        var pump = new PipelineThreadPump();
        var shared = new TaskCompletionSource();
        var waiting = Task.Run(() => pump.Wait(shared.Task));
        while (!IsWaitedOn(shared.Task))
        {
            await Task.Delay(1);
        }

        shared.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(CompletionEvent(shared.Task));
    }

    // A call still in flight when its cmdlet is disposed (Select-Object -First, Ctrl+C) may still log (a Sign retry); its
    // message goes nowhere, and must not fail the call with ObjectDisposedException.
    [Fact]
    public void Post_after_Dispose_is_ignored()
    {
        var pump = new PipelineThreadPump();
        pump.Dispose();

        pump.Post(() => Assert.Fail("a posted action ran after Dispose"));
        pump.RunPosted();
    }

    // Waited on: a continuation is registered on it, or (the old way) its completion event exists.
    private static bool IsWaitedOn(Task task) =>
        CompletionEvent(task) is not null
        || typeof(Task).GetField("m_continuationObject", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(task) is not null;

    private static object? CompletionEvent(Task task)
    {
        var properties = typeof(Task).GetField("m_contingentProperties", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(task);
        return properties?.GetType().GetField("m_completionEvent", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(properties);
    }
}

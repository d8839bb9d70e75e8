using System.Collections.ObjectModel;
using System.Management.Automation;
using KmsSignature.Core;
using KmsSignature.Core.Files;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Verification;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Base of every cmdlet that calls KMS: the AWS.Tools-style common parameters, the shell defaults
/// AWS.Tools leaves in the session, one cached client per (region, credentials, endpoint), and a pump
/// that runs Core's async work while writing its verbose messages and progress on the pipeline thread
/// (PowerShell only accepts output from that thread) and cancels it on Ctrl+C.
/// </summary>
public abstract class KmsCmdletBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private readonly PipelineThreadPump pump = new();
    private KmsConnection? connection;

    /// <summary>The AWS Region (e.g. us-east-1); defaults to the profile, Set-DefaultAWSRegion, AWS_REGION, AWS_DEFAULT_REGION, the shared config file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>A named profile from the shared credentials or config file (SSO and assume-role profiles work).</summary>
    [Parameter]
    [Alias("AWSProfileName", "StoredCredentials")]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    /// <summary>A credentials file other than the default ~/.aws/credentials (relative to the current location).</summary>
    [Parameter]
    [Alias("AWSProfilesLocation")]
    [ValidateNotNullOrEmpty]
    public string? ProfileLocation { get; set; }

    /// <summary>A PSCredential (access key id as user name, secret as password) or an AWSCredentials object (AWS.Tools' too).</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Credential { get; set; }

    /// <summary>A KMS endpoint other than the Region's: a VPC or FIPS endpoint, or LocalKms for rehearsal.</summary>
    [Parameter]
    [Alias("ServiceUrl")]
    [ValidateNotNull]
    public Uri? EndpointUrl { get; set; }

    /// <summary>Cancelled when the user presses Ctrl+C, or when the cmdlet is disposed (a pipeline ended downstream).</summary>
    internal CancellationToken CancellationToken => stopping.Token;

    /// <summary>Thread-safe: verbose messages from any thread are written on the pipeline thread by <see cref="Run{T}"/>.</summary>
    protected IOperationLog Log => new ActionOperationLog(message => Post(() => WriteVerboseEvenWhenStopping(message)));

    /// <summary>The KMS connection for this invocation; resolving it failing is terminating (nothing can succeed).</summary>
    protected KmsConnection Connection => connection ??= ConnectOrTerminate();

    /// <summary>As <see cref="Connection"/>, but a connection that cannot be made is a KmsSignatureException for the caller.</summary>
    protected KmsConnection ConnectionOrException() => connection ??= Connect();

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>
    /// Called on disposal, however the run ended (completed, Ctrl+C, -ErrorAction Stop, a break downstream), once its calls are
    /// cancelled: the place to release what was made for results the run never reported.
    /// </summary>
    protected virtual void OnRunEnded()
    {
    }

    /// <summary>
    /// Runs async Core work to completion on the pipeline thread, pumping posted actions (verbose,
    /// progress) meanwhile. Core errors surface as <see cref="KmsSignatureException"/>; Ctrl+C as PipelineStoppedException.
    /// </summary>
    protected T Run<T>(Func<CancellationToken, Task<T>> work)
    {
        var task = work(CancellationToken);
        Complete(task);
        return task.Result; // completed successfully: Complete threw otherwise
    }

    /// <summary>Waits (pumping posted actions) until the task completes, without observing its outcome; Ctrl+C stops the wait.</summary>
    internal void WaitFor(Task task)
    {
        if (!task.IsCompleted)
        {
            Complete(Waits.UntilDone(task, CancellationToken));
        }
    }

    /// <summary>Writes the actions posted so far (verbose messages of calls in flight); pipeline thread only.</summary>
    internal void WritePosted() => pump.RunPosted();

    // Pumps posted actions until the task completes, then surfaces its outcome: Core errors as thrown, Ctrl+C as PipelineStoppedException.
    private void Complete(Task task)
    {
        pump.Wait(task);
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Queues an action (WriteProgress, WriteVerbose ...) for the pipeline thread; safe from any thread.</summary>
    protected void Post(Action action) => pump.Post(action);

    /// <summary>
    /// Runs <paramref name="action"/> on the pipeline thread (writing output, prompting) for work in flight that must wait
    /// for it; the task ends with its result, or with what it threw (PipelineStoppedException, or the exception with which
    /// Select-Object -First stops this command), which the waiting work then ends with.
    /// </summary>
    protected Task<T> OnPipelineThreadAsync<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    /// <summary>
    /// ShouldProcess(target, action), also telling a -WhatIf (shown, not done; what it would claim stays claimed) from a
    /// "No" at -Confirm (the item is dropped and claims nothing).
    /// </summary>
    protected bool ShouldProcess(string target, string action, out bool whatIf)
    {
        // PowerShell's wording of ShouldProcess(target, action) (its ShouldProcessMessage resource, in English only: the
        // resource is internal); null warning and caption take its defaults.
        var yes = ShouldProcess($"Performing the operation \"{action}\" on target \"{target}\".", null, null, out var reason);
        whatIf = reason == ShouldProcessReason.WhatIf;
        return yes;
    }

    /// <summary>
    /// Writes a Core error about one item as a non-terminating ErrorRecord; one that no later item could escape (an unreachable
    /// or silent KMS endpoint, after the SDK's retries, or refused credentials) ends the run instead, as PowerShell's guidance
    /// has it, so the remaining items do not each wait out the same retries or repeat the same refusal.
    /// </summary>
    protected void WriteError(KmsSignatureException exception)
    {
        if (exception.IsRunWide)
        {
            ThrowTerminatingError(ErrorRecords.From(exception));
        }

        WriteError(ErrorRecords.From(exception));
    }

    /// <summary>The options as given, plus AWS.Tools' shell defaults ($StoredAWSRegion, $StoredAWSCredentials).</summary>
    protected AwsConnectionOptions ConnectionOptions() => new()
    {
        Region = Region,
        ProfileName = ProfileName,
        // Relative to PowerShell's current location (and ~ expanded), not the process's working directory.
        ProfileLocation = ProfileLocation is null ? null : FileSystemPath(ProfileLocation),
        Credential = Credential is null ? null : ToCoreCredential(Credential),
        EndpointUrl = EndpointUrl,
        ShellDefaultRegion = SessionState.PSVariable.GetValue("StoredAWSRegion") as string,
        // A PSCredential there reads as it does in -Credential; anything else is AWS.Tools' object or an error naming the variable.
        ShellDefaultCredential = SessionState.PSVariable.GetValue("StoredAWSCredentials") is { } stored ? ToCoreCredential(stored) : null,
    };

    /// <summary>
    /// A path as a file-system path, relative to PowerShell's location (not the process's). Another provider's path
    /// (Env:X, Variable:x) resolves to a bare name, which would read or write a file of that name in the process's
    /// working directory: it is <c>NotAFileSystemPath</c> instead.
    /// A URL (https://, s3://) is <c>PathIsUrl</c>, saying how to get the file (or, <paramref name="writing"/>, put it) there.
    /// </summary>
    protected string FileSystemPath(string path, bool writing = false) => RefusingUrls(path, writing, () =>
        OnFileSystem(SessionState.Path.GetUnresolvedProviderPathFromPSPath(RefuseNul(path), out var provider, out _), provider, path));

    /// <summary>As <see cref="FileSystemPath"/> for a pattern: the files it matches (none for a wildcard matching nothing).</summary>
    protected Collection<string> FileSystemPaths(string pattern) => RefusingUrls(pattern, writing: false, () =>
        OnFileSystem(GetResolvedProviderPathFromPSPath(RefuseNul(pattern), out var provider), provider, pattern));

    // PowerShell reads https: or s3: as a drive. Only once it found no drive of that name is the path a URL: a drive a user
    // named s3 still takes s3://... paths.
    private static T RefusingUrls<T>(string path, bool writing, Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (System.Management.Automation.DriveNotFoundException) when (UrlPath.IsUrl(path, out var url))
        {
            throw UrlPath.Refused(path, url, writing);
        }
    }

    // No file system path holds a NUL; .NET's path APIs throw a bare ArgumentException for one.
    private static string RefuseNul(string path) =>
        path.Contains('\0', StringComparison.Ordinal)
            ? throw new KmsSignatureException("InvalidPath", ErrorKind.InvalidArgument, $"'{UntrustedText.ShowWhole(path)}' is not a valid path: it contains a NUL character.", path)
            : path;

    private static T OnFileSystem<T>(T resolved, ProviderInfo provider, string path) =>
        provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)
            ? resolved
            : throw new KmsSignatureException("NotAFileSystemPath", ErrorKind.InvalidArgument, $"'{UntrustedText.ShowWhole(path)}' is not a file system path.", path);

    /// <summary>
    /// Deny statements that override KmsSignature's grants: a warning, or verbose when the Deny is conditional (outside the
    /// organization, without MFA ...), since it often does not apply to these principals at all.
    /// </summary>
    protected void WriteBlockingDenies(IEnumerable<BlockingDeny> denies)
    {
        foreach (var deny in denies)
        {
            if (deny.IsConditional)
            {
                WriteVerbose(deny.ToString());
            }
            else
            {
                WriteWarning(deny.ToString());
            }
        }
    }

    private KmsConnection Connect()
    {
        var options = ConnectionOptions();
        var resolved = KmsClientProvider.Shared.Connect(options);
        WriteVerbose(resolved.Describe());
        // Once per command: the connection is built at most once per cmdlet instance, however many records it gets.
        if (options.CleartextEndpointWarning() is { } warning)
        {
            WriteWarning(warning);
        }

        return resolved;
    }

    private KmsConnection ConnectOrTerminate()
    {
        try
        {
            return Connect();
        }
        catch (KmsSignatureException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
            throw; // unreachable: ThrowTerminatingError always throws
        }
    }

    private static object ToCoreCredential(object value) => Unwrap(value) switch
    {
        PSCredential ps => new AwsKeyCredential(ps.UserName, ps.GetNetworkCredential().Password),
        { } other => other,
        null => throw new PSArgumentNullException(nameof(Credential)),
    };

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    // A call that Ctrl+C ended still says what KMS may have done (a key made, a policy written); the message comes due as the
    // pipeline stops, when the verbose stream takes nothing more and WriteVerbose throws. It goes to the host's verbose line,
    // as -Verbose asked, and the stop goes on from the call's cancellation.
    private void WriteVerboseEvenWhenStopping(string message)
    {
        if (!Stopping)
        {
            try
            {
                WriteVerbose(message);
                return;
            }
            catch (PipelineStoppedException)
            {
            }
        }

        if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose)
                ? verbose is SwitchParameter { IsPresent: true }
                : GetVariableValue("VerbosePreference")?.ToString() is "Continue" or "Inquire")
        {
            Host?.UI?.WriteVerboseLine(message);
        }
    }

    public void Dispose()
    {
        // A downstream command that ends the pipeline early (Select-Object -First, break) disposes this cmdlet
        // without StopProcessing: calls still in flight must not go on to write signature files nobody asked for.
        stopping.Cancel();
        OnRunEnded();
        stopping.Dispose();
        pump.Dispose();
        GC.SuppressFinalize(this);
    }
}

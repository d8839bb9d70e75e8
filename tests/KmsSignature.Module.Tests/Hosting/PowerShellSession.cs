using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// A real PowerShell 7 engine, hosted in-process, with the built module imported the way a user
/// imports it. Only the Core cmdlets exist here (no Microsoft.PowerShell.Utility/Management),
/// so test scripts use .NET calls where a user would write Get-Content or Set-Content.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace runspace;

    public PowerShellSession(bool importModule = true, System.Management.Automation.Host.PSHost? host = null)
    {
        var state = InitialSessionState.CreateDefault2();
        if (importModule)
        {
            state.ImportPSModule(RepoPaths.ModuleManifest);
        }

        runspace = host is null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
    }

    /// <summary>Runs script text; variables are set in the session first.</summary>
    public ScriptResult Run(string script, IReadOnlyDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables)
            {
                runspace.SessionStateProxy.SetVariable(name, value);
            }
        }

        ps.AddScript(script);
        Collection<PSObject> output;
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            output = new Collection<PSObject>();
            terminating = ex;
        }

        return new ScriptResult(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList(), ps.Streams.Progress.ToList(), terminating);
    }

    /// <summary>
    /// Runs a script and stops it (as Ctrl+C does) after <paramref name="stopAfter"/>; returns how long the whole run took
    /// and whether it ended stopped rather than completed.
    /// </summary>
    public (TimeSpan Elapsed, bool Stopped) RunAndStop(string script, IReadOnlyDictionary<string, object?>? variables, TimeSpan stopAfter) =>
        RunAndStop(script, variables, pending => pending.WaitOne(stopAfter));

    /// <summary>
    /// Runs a script and stops it (as Ctrl+C does) once <paramref name="stopWhen"/> is signalled, unless the script ended
    /// first; returns how long the whole run took and whether it ended stopped rather than completed.
    /// </summary>
    public (TimeSpan Elapsed, bool Stopped) RunAndStop(string script, IReadOnlyDictionary<string, object?>? variables, WaitHandle stopWhen) =>
        RunAndStop(script, variables, pending => WaitHandle.WaitAny([pending, stopWhen]) == 0);

    /// <summary>
    /// Runs a script and hands each object it outputs to <paramref name="onOutput"/> on the pipeline thread, as it is written
    /// (which may stop the run with <c>BeginStop</c>); returns the objects output and whether the run ended stopped.
    /// </summary>
    public (IReadOnlyList<PSObject> Output, bool Stopped) RunObservingOutput(string script, IReadOnlyDictionary<string, object?>? variables,
        Action<PowerShell, PSObject> onOutput)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            runspace.SessionStateProxy.SetVariable(name, value);
        }

        ps.AddScript(script);
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, e) => onOutput(ps, output[e.Index]);
        var stopped = false;
        try
        {
            ps.EndInvoke(ps.BeginInvoke<PSObject, PSObject>(null, output));
        }
        catch (PipelineStoppedException)
        {
            stopped = true;
        }

        return (output.ToList(), stopped || ps.InvocationStateInfo.State == PSInvocationState.Stopped);
    }

    // endedFirst waits on the run's handle and says whether the script ended before the moment to stop it.
    private (TimeSpan Elapsed, bool Stopped) RunAndStop(string script, IReadOnlyDictionary<string, object?>? variables, Func<WaitHandle, bool> endedFirst)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            runspace.SessionStateProxy.SetVariable(name, value);
        }

        ps.AddScript(script);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pending = ps.BeginInvoke();
        if (!endedFirst(pending.AsyncWaitHandle))
        {
            ps.Stop();
        }

        var stopped = false;
        try
        {
            ps.EndInvoke(pending);
        }
        catch (PipelineStoppedException)
        {
            stopped = true;
        }

        return (clock.Elapsed, stopped || ps.InvocationStateInfo.State == PSInvocationState.Stopped);
    }

    public void Dispose() => runspace.Dispose();
}

public sealed record ScriptResult(
    Collection<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<ProgressRecord> Progress,
    Exception? Terminating)
{
    /// <summary>The terminating error as an ErrorRecord, when the script threw one.</summary>
    public ErrorRecord? TerminatingRecord => (Terminating as IContainsErrorRecord)?.ErrorRecord;

    /// <summary>Fails with the script's errors in the message, so a broken test says why.</summary>
    public ScriptResult AssertSuccess()
    {
        if (Terminating is not null || Errors.Count > 0)
        {
            var messages = Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")
                .Prepend(Terminating?.ToString() ?? string.Empty);
            throw new Xunit.Sdk.XunitException("Script failed:\n" + string.Join("\n", messages));
        }

        return this;
    }
}

using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KmsSignature.Bench;

internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ModuleManifest => Path.Combine(Root, "out", "KmsSignature", "KmsSignature.psd1");

    /// <summary>A runspace with the built module imported, as a user has it after Import-Module.</summary>
    public static Runspace NewRunspace()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModuleManifest);
        state.Commands.Add(new SessionStateCmdletEntry("Measure-PipelineFloor", typeof(PipelineFloorCommand), null));
        state.Commands.Add(new SessionStateCmdletEntry("Measure-VerificationResults", typeof(CountResultsCommand), null));
        var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        return runspace;
    }

    public static Collection<PSObject> Run(Runspace runspace, string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            runspace.SessionStateProxy.SetVariable(name, value);
        }

        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        var output = ps.Invoke();
        if (ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException($"Script failed: {ps.Streams.Error[0]} ({ps.Streams.Error[0].FullyQualifiedErrorId})");
        }

        return output;
    }

    /// <summary>The commit measured, so a results file says which code it describes ("+ local changes" when dirty).</summary>
    public static string Commit()
    {
        var head = Git("rev-parse --short HEAD");
        if (head is null)
        {
            return "an unknown commit (no git)";
        }

        // The results files themselves change with every run; anything else means the code is not the commit's.
        var dirty = Git("status --porcelain --untracked-files=no -- . :!bench/results")?.Length > 0;
        return dirty ? $"commit {head} + local changes" : $"commit {head}";
    }

    private static string? Git(string arguments)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, WorkingDirectory = Root };
            using var git = System.Diagnostics.Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KmsSignature.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the bench from inside the repository (KmsSignature.sln not found above the binary).");
    }
}

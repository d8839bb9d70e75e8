using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Loads KmsSignature.Core and everything it needs (AWSSDK.*, BouncyCastle) from the module's lib/
/// folder into a private load context. AWS.Tools users already have an AWSSDK.Core of another version
/// in the default context; ours never meets it, so both modules work in one session.
/// Only KmsSignature.Core is handed to the default context: the cmdlets see our own types and
/// never an AWS SDK type, which is what makes the isolation hold.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private const string CoreAssemblyName = "KmsSignature.Core";
    private static readonly object Gate = new();
    private static ModuleLoadContext? instance;

    private readonly string libDirectory;

    private ModuleLoadContext(string libDirectory)
        : base("KmsSignature", isCollectible: false) => this.libDirectory = libDirectory;

    /// <summary>Registers the resolver once; safe to call from every entry point.</summary>
    internal static void Register()
    {
        lock (Gate)
        {
            if (instance is not null)
            {
                return;
            }

            var moduleDirectory = Path.GetDirectoryName(typeof(ModuleLoadContext).Assembly.Location)!;
            instance = new ModuleLoadContext(Path.Combine(moduleDirectory, "lib"));
            Default.Resolving += ResolveCore;
        }
    }

    // Runs before any type of this assembly is used, so Core resolves through us even when
    // PowerShell inspects cmdlet metadata before calling OnImport. This is the intended use the
    // analyzer warns about: a plugin assembly hooking resolution before its first type loads.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterOnLoad() => Register();

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == CoreAssemblyName ? instance?.LoadFromAssemblyName(name) : null;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(libDirectory, assemblyName.Name + ".dll");
        // Null falls back to the default context: framework assemblies are shared, not copied.
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}

/// <summary>PowerShell calls this on Import-Module; it makes sure the resolver is in place.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => ModuleLoadContext.Register();
}

namespace KmsSignature.Core.Kms;

/// <summary>
/// A log that forwards to a delegate. The cmdlet assembly uses it instead of implementing
/// <see cref="IOperationLog"/> itself: PowerShell reflects over every type of a binary module
/// (GetExportedTypes) before our load context is in place, and a cmdlet-assembly type whose
/// interface lives in Core would fail to load there.
/// </summary>
public sealed class ActionOperationLog(Action<string> verbose) : IOperationLog
{
    public void Verbose(string message) => verbose(message);
}

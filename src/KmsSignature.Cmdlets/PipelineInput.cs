using System.Collections;
using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// What one object piped to Test-KmsSignature stands for. PowerShell's parameter binder would find this out by
/// trying each pipeline parameter by value and by property name, at several microseconds per object; the same
/// rules, applied here in order of likelihood, cost a type test for the common cases (a string, a FileInfo).
/// </summary>
internal readonly struct PipelineInput
{
    // Property names that mean "a file": Get-ChildItem output (PSPath), plain FileInfo (FullName), CSV rows, and Path
    // last (a manifest's column, Test-KmsSignature's own file results), taken literally: file names may hold brackets.
    private static readonly string[] PathProperties = ["LiteralPath", "PSPath", "FullName", "LP", "Path"];

    // Named, not referenced: Microsoft.PowerShell.Commands.Utility is pwsh's, not a dependency of this module.
    private const string MatchInfoType = "Microsoft.PowerShell.Commands.MatchInfo";

    private PipelineInput(PipelineInputKind kind, string? value, string? signaturePath, IEnumerable? items, string? algorithm = null, bool isFileSystemPath = false)
    {
        Kind = kind;
        IsFileSystemPath = isFileSystemPath;
        Value = value;
        SignaturePath = signaturePath;
        Items = items;
        Algorithm = algorithm;
    }

    public PipelineInputKind Kind { get; }

    /// <summary>The token text or the file path as given (a PSPath may still need provider resolution).</summary>
    public string? Value { get; }

    /// <summary>
    /// The value is a file object's FullName, already a file-system path: resolving it as a PowerShell path would read
    /// a "::" in a file name as a provider qualifier.
    /// </summary>
    public bool IsFileSystemPath { get; }

    /// <summary>The object's own SignaturePath property, if it has one.</summary>
    public string? SignaturePath { get; }

    /// <summary>
    /// A file object's own Algorithm property (New-KmsSignature output names the algorithm it signed with), if it has one.
    /// </summary>
    public string? Algorithm { get; }

    /// <summary>For <see cref="PipelineInputKind.Many"/>: the items of an array given to -InputObject.</summary>
    public IEnumerable? Items { get; }

    public static PipelineInput Classify(PSObject? input)
    {
        // Strings first, even with note properties: Get-Content lines carry PSPath, and they are tokens.
        switch (input?.BaseObject)
        {
            case null:
                return new(PipelineInputKind.Token, string.Empty, null, null);
            case string text:
                return new(PipelineInputKind.Token, text, null, null);
            case FileInfo file:
                return new(PipelineInputKind.File, file.FullName, NonBlank(Text(input, "SignaturePath")), null, isFileSystemPath: true);
            case IList items:
                return new(PipelineInputKind.Many, null, null, items);
        }

        // Select-String's match, live or deserialized (a job's, Import-Clixml's): its Line is the text that matched, its
        // Path only the file searched.
        if (input.TypeNames.Contains(MatchInfoType) || input.TypeNames.Contains("Deserialized." + MatchInfoType))
        {
            return new(PipelineInputKind.Token, Text(input, "Line") ?? string.Empty, null, null);
        }

        // Import-Csv gives every column of every row, so an empty cell is an empty string: it means "not given".
        var token = Text(input, "Token");
        if (NonBlank(token) is not null)
        {
            return new(PipelineInputKind.Token, token, null, null);
        }

        foreach (var name in PathProperties)
        {
            if (NonBlank(Text(input, name)) is { } path)
            {
                return new(PipelineInputKind.File, path, NonBlank(Text(input, "SignaturePath")), null, Text(input, "Algorithm"));
            }
        }

        // A blank Token and no file: an empty token, as an empty line is.
        return token is null
            ? new(PipelineInputKind.Unrecognized, null, null, null)
            : new(PipelineInputKind.Token, token, null, null);
    }

    private static string? NonBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string? Text(PSObject input, string name) => input.Properties[name]?.Value switch
    {
        null => null,
        string text => text,
        PSObject { BaseObject: string text } => text,
        FileSystemInfo info => info.FullName,
        var other => other.ToString(),
    };
}

internal enum PipelineInputKind
{
    Token,
    File,
    Many,
    Unrecognized,
}

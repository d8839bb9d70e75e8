using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// -Path's binding of objects that name one resolved path, Resolve-Path's PathInfo and a file or directory object given
/// as an argument (piped, a FileInfo binds -LiteralPath by its FullName): the path is escaped into a pattern that matches
/// just itself. Taken as its text, a file named '[b].txt' was a wildcard again and matched b.txt (whose signature was
/// then written), or nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ResolvedPathAsLiteralAttribute : ElementTransformationAttribute
{
    protected override string? Convert(object? value) => value switch
    {
        PathInfo path => WildcardPattern.Escape(path.Path),
        FileSystemInfo file => WildcardPattern.Escape(file.FullName),
        _ => null,
    };
}

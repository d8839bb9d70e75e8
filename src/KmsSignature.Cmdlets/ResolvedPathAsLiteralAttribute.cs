using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// -Path's binding of Resolve-Path output: a PathInfo names one path that is already resolved, so it is escaped into a
/// pattern that matches just that path. Taken as its text, a file named '[b].txt' was a wildcard again and matched b.txt
/// (whose signature was then written), or nothing. File objects are left alone: piped, they bind -LiteralPath by their
/// FullName, and converting them here would bind them to -Path first (transformations run in the binder's first pass).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ResolvedPathAsLiteralAttribute : ElementTransformationAttribute
{
    protected override string? Convert(object? value) => value is PathInfo path ? WildcardPattern.Escape(path.Path) : null;
}

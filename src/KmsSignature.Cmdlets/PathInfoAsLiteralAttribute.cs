using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// -Path's binding of Resolve-Path output: a PathInfo names one path that is already resolved, so it is escaped into a
/// pattern that matches just that path. Taken as its text, a file named '[b].txt' was a wildcard again and matched b.txt
/// (whose signature was then written), or nothing. PathInfo has no PSPath or FullName property for -LiteralPath to bind.
/// Any other argument is passed on unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PathInfoAsLiteralAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => inputData switch
    {
        PSObject { BaseObject: PathInfo path } => Literal(path),
        PathInfo path => Literal(path),
        object?[] items when Array.Exists(items, IsPathInfo) => Array.ConvertAll(items, item => IsPathInfo(item) ? Transform(engineIntrinsics, item) : item),
        _ => inputData,
    };

    private static string Literal(PathInfo path) => WildcardPattern.Escape(path.Path);

    private static bool IsPathInfo(object? item) => item is PathInfo or PSObject { BaseObject: PathInfo };
}

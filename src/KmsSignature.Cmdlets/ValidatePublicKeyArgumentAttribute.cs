using System.Collections;
using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// -PublicKey's binding check: what [ValidateNotNullOrEmpty] refuses (an empty string would name the current directory as a
/// key file), except blank lines among the lines of one key file, as Get-Content returns them: -PublicKey (Get-Content key.pem).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ValidatePublicKeyArgumentAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        switch (Unwrap(arguments))
        {
            case null or "":
                throw Empty();
            case string:
                return;
            case IEnumerable many:
                var items = many.Cast<object?>().Select(Unwrap).ToList();
                if (items.Count == 0 || items.Contains(null))
                {
                    throw Empty();
                }

                if (items.Contains("") && KeyFileText(items) is null)
                {
                    throw Empty();
                }

                return;
        }
    }

    /// <summary>
    /// The text of one key file when <paramref name="items"/> (unwrapped) are its lines, as Get-Content returns them; null
    /// when they are something else (several keys, file names, ...).
    /// </summary>
    internal static string? KeyFileText(List<object?> items) =>
        items.Count > 0 && items.TrueForAll(item => item is string)
            ? Core.Keys.PublicKey.JoinKeyFileLines(items.ConvertAll(item => (string)item!))
            : null;

    internal static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    private static ValidationMetadataException Empty() => new(
        "The argument is null or empty, or a collection that holds a null or empty item: give PEM text, a key file or a key " +
        "object. (Blank lines are taken only among the lines of a key file, as Get-Content returns them.)");
}

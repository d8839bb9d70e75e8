using System.Collections;
using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// An argument transformation of single values that also reaches each element of a list given to an array parameter
/// (an array, a List, either in a PSObject wrapper, as Write-Output -NoEnumerate gives it). Values it does not convert
/// are passed on unchanged, for PowerShell's usual conversion.
/// </summary>
internal abstract class ElementTransformationAttribute : ArgumentTransformationAttribute
{
    public sealed override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = Unwrap(inputData);
        if (Convert(value) is { } converted)
        {
            return converted;
        }

        if (value is not IList list)
        {
            return inputData;
        }

        var items = new object?[list.Count];
        var any = false;
        for (var i = 0; i < items.Length; i++)
        {
            var item = list[i];
            items[i] = Convert(Unwrap(item)) is { } text ? text : item;
            any |= !ReferenceEquals(items[i], item);
        }

        return any ? items : inputData;
    }

    /// <summary>The text the parameter takes for <paramref name="value"/>, or null to leave it to PowerShell.</summary>
    protected abstract string? Convert(object? value);

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}

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

        // Strings and values (a byte[]) hold nothing to convert; a copy is made only once an item converts.
        if (value is not IList list || value is Array array && (array.GetType().GetElementType()!.IsValueType || array is string[]))
        {
            return inputData;
        }

        object?[]? items = null;
        for (var i = 0; i < list.Count; i++)
        {
            if (Convert(Unwrap(list[i])) is { } text)
            {
                if (items is null)
                {
                    items = new object?[list.Count];
                    list.CopyTo(items, 0);
                }

                items[i] = text;
            }
        }

        return items ?? inputData;
    }

    /// <summary>The text the parameter takes for <paramref name="value"/>, or null to leave it to PowerShell.</summary>
    protected abstract string? Convert(object? value);

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}

using System.Collections;
using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Takes a PSCustomObject for a hashtable of tags, its properties as keys and values: what ConvertFrom-Json (without
/// -AsHashtable), Import-Csv and Select-Object give. PowerShell cannot convert one to a Hashtable, so a tag file read with
/// ConvertFrom-Json failed parameter binding.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TagsAsHashtableAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (inputData is not PSObject { BaseObject: PSCustomObject } custom)
        {
            return inputData;
        }

        var tags = new Hashtable(StringComparer.Ordinal);
        foreach (var property in custom.Properties)
        {
            tags[property.Name] = property.Value;
        }

        return tags;
    }
}

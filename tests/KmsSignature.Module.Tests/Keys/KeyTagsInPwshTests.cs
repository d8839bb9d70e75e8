using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

/// <summary>
/// -Tag as admins fill it in a real pwsh: from a JSON file read with ConvertFrom-Json (a PSCustomObject unless -AsHashtable)
/// and from Import-Csv rows. A PSCustomObject failed parameter binding (CannotConvertArgumentNoMessage), and a tag value that
/// was a list (a JSON array) was sent as its items joined by spaces (found by helper hV2 in a real pwsh).
/// </summary>
public sealed class KeyTagsInPwshTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>, IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("kmssig-pwsh-key-tags-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    private Dictionary<string, string> Environment(LocalKmsPrincipal principal) => new(fixture.PwshEnvironment(principal)) { ["TEST_WORK"] = work };

    private async Task<string> TagsAsync(string alias)
    {
        using var client = KmsSdk.For(fixture, fixture.Kms.Admin);
        var keyId = (await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias })).KeyMetadata.KeyId;
        var tags = await client.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = keyId });
        return string.Join(";", tags.Tags.Select(t => $"{t.TagKey}={t.TagValue}"));
    }

    [Fact]
    public async Task Tags_from_ConvertFrom_Json_and_Import_Csv_rows_make_the_key_and_a_list_value_is_refused()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(Path.Combine(work, "tags.json"), """{ "team": "identity", "cost-center": "4711" }""");
        File.WriteAllText(Path.Combine(work, "keys.csv"), $"Alias,KeySpec,Team,Owner\r\ncsv-{suffix},ECC_NIST_P384,payments,ana\r\n");

        var run = Pwsh.Run($$"""
            Import-Module ./out/KmsSignature/KmsSignature.psd1
            Set-Location -LiteralPath $env:TEST_WORK
            $tags = Get-Content tags.json -Raw | ConvertFrom-Json
            New-KmsSigningKey -Alias json-{{suffix}} -Tag $tags -EndpointUrl $env:TEST_ENDPOINT | ForEach-Object { "made|$($_.Alias)" }
            Import-Csv keys.csv | ForEach-Object {
                New-KmsSigningKey -Alias $_.Alias -KeySpec $_.KeySpec -Tag ($_ | Select-Object Team, Owner) -EndpointUrl $env:TEST_ENDPOINT
            } | ForEach-Object { "made|$($_.Alias)" }
            $list = '{ "owners": ["ana", "bo"] }' | ConvertFrom-Json -AsHashtable
            New-KmsSigningKey -Alias list-{{suffix}} -Tag $list -EndpointUrl $env:TEST_ENDPOINT -ErrorVariable e -ErrorAction SilentlyContinue
            "error|$($e[0].FullyQualifiedErrorId)|$($e[0].TargetObject)"
            $nested = '{ "owner": { "name": "ana" } }' | ConvertFrom-Json
            New-KmsSigningKey -Alias nested-{{suffix}} -Tag $nested -EndpointUrl $env:TEST_ENDPOINT -ErrorVariable e -ErrorAction SilentlyContinue
            "error|$($e[0].FullyQualifiedErrorId)|$($e[0].TargetObject)"
            """,
            Environment(fixture.Kms.Admin),
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        string[] Lines(string prefix) => run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Assert.True(Lines("made|").SequenceEqual([$"made|alias/json-{suffix}", $"made|alias/csv-{suffix}"]), run.ToString());
        Assert.Equal("cost-center=4711;team=identity", await TagsAsync($"alias/json-{suffix}"));
        Assert.Equal("Owner=ana;Team=payments", await TagsAsync($"alias/csv-{suffix}"));
        Assert.Equal(["error|KmsSignature.InvalidTag,KmsSignature.Cmdlets.NewKmsSigningKeyCommand|owners",
            "error|KmsSignature.InvalidTag,KmsSignature.Cmdlets.NewKmsSigningKeyCommand|owner"], Lines("error|"));
        Assert.Equal("NotFoundException", await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Admin, $"alias/list-{suffix}"));
    }
}

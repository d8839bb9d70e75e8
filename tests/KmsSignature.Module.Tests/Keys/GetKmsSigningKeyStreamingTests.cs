using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

// Listing every key described them all (one DescribeKey each, all ListKeys/ListAliases pages) before writing the first, so
// `Get-KmsSigningKey | Select-Object -First 2` in an account of thousands of keys spent thousands of DescribeKey calls of a
// quota shared with every other caller, and printed nothing until the last (found by helper hV2 in a real pwsh).
public sealed class GetKmsSigningKeyStreamingTests
{
    private static Dictionary<string, object?> Vars(object shims, string? pattern = null) =>
        new() { ["shims"] = shims, ["p"] = pattern };

    [Fact]
    public async Task Listing_writes_each_key_as_it_is_described_and_stops_when_downstream_has_enough()
    {
        var own = new LocalKmsFixture();
        await own.InitializeAsync();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                await KmsSdk.CreateKeyAsync(own, alias: $"alias/stream-{i:D2}");
            }

            using var session = own.NewSession();
            var shims = typeof(SelectFirstCommand).Assembly;
            session.Run("Import-Module -Assembly $shims", Vars(shims)).AssertSuccess();

            var before = own.Kms.Counters.Count("DescribeKey");
            var all = session.Run("Get-KmsSigningKey @kmsAdmin | Select-FirstShim 2", Vars(shims)).AssertSuccess();
            Assert.Equal(2, all.Output.Count);
            Assert.Equal(2, own.Kms.Counters.Count("DescribeKey") - before);

            before = own.Kms.Counters.Count("DescribeKey");
            var matched = session.Run("Get-KmsSigningKey -Alias $p @kmsAdmin | Select-FirstShim 3", Vars(shims, "stream-*")).AssertSuccess();
            Assert.Equal(3, matched.Output.Count);
            Assert.Equal(3, own.Kms.Counters.Count("DescribeKey") - before);

            // Read to the end, the listing is still whole and in its order.
            var whole = session.Run("Get-KmsSigningKey -Alias $p @kmsAdmin", Vars(shims, "stream-*")).AssertSuccess();
            Assert.Equal(Enumerable.Range(0, 12).Select(i => $"alias/stream-{i:D2}"), whole.Output.Select(o => (string)o.Properties["Alias"].Value));
            Assert.Equal(12, session.Run("Get-KmsSigningKey @kmsAdmin", Vars(shims)).AssertSuccess().Output.Count);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}

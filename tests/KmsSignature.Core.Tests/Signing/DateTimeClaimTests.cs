using System.Text;
using KmsSignature.Core.Signing;
using KmsSignature.Core.Tests.Kms;

namespace KmsSignature.Core.Tests.Signing;

/// <summary>
/// [datetime] claim values in a local time zone. These tests set TZ (and clear .NET's cached zone), so they run alone
/// and put both back.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DateTimeClaimTests : IDisposable
{
    private readonly string? savedZone = Environment.GetEnvironmentVariable("TZ");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TZ", savedZone);
        TimeZoneInfo.ClearCachedData();
    }

    private static void UseZone(string zone)
    {
        Environment.SetEnvironmentVariable("TZ", zone);
        TimeZoneInfo.ClearCachedData();
    }

    private static string Json(params (string Name, object? Value)[] claims) => Encoding.UTF8.GetString(JoseJson.WriteObject(
        new JwtClaimTemplate().Build(claims.Select(c => KeyValuePair.Create(c.Name, c.Value)), DateTimeOffset.FromUnixTimeSeconds(1000)).Entries));

    // [datetime]'2030-01-01' has Kind Unspecified. PowerShell binds it to -NotBefore/-IssuedAt as local time, but as a claim
    // value DateTime.ToLocalTime took it for UTC: the same date in one command made two instants, hours apart.
    [Fact]
    public void An_unspecified_DateTime_is_local_time_as_PowerShell_binds_it_to_DateTimeOffset()
    {
        UseZone("Etc/GMT+5"); // UTC-05:00, no daylight saving time
        var unspecified = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var asPowerShellBindsIt = new DateTimeOffset(unspecified).ToUnixTimeSeconds();
        Assert.Equal(1_893_474_000, asPowerShellBindsIt);

        Assert.Equal("""{"iat":1000,"exp":1893474000,"d":{"at":1893474000}}""",
            Json(("exp", unspecified), ("d", new Dictionary<string, object?> { ["at"] = unspecified })));
        Assert.Equal(Json(("exp", unspecified)), Json(("exp", DateTime.SpecifyKind(unspecified, DateTimeKind.Local))));
        Assert.Equal("""{"iat":1000,"exp":1893456000}""", Json(("exp", DateTime.SpecifyKind(unspecified, DateTimeKind.Utc))));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_893_474_000), new JwtClaimTemplate().Build([new("exp", unspecified)], DateTimeOffset.UtcNow).ExpiresAt);
        Assert.Equal("""{"iat":1000,"nbf":1893474001}""", Json(("nbf", unspecified.AddMilliseconds(1)))); // nbf still rounds up
    }

    // new DateTimeOffset(localTime) throws when the zone's offset moves the instant past year 9999 or before year 1: that
    // ArgumentOutOfRangeException ended the whole New-KmsSignedJwt pipeline instead of failing the one item.
    [Theory]
    [InlineData("Etc/GMT+5", "exp", false)] // UTC-05:00: local 9999-12-31T23:59:59 is in year 10000 UTC
    [InlineData("Etc/GMT-5", "iat", true)] // UTC+05:00: local 0001-01-01T00:00 is before year 1 UTC
    public void A_local_DateTime_beyond_the_NumericDate_range_in_UTC_is_one_claim_error(string zone, string name, bool min)
    {
        UseZone(zone);
        var time = DateTime.SpecifyKind(min ? DateTime.MinValue : DateTime.MaxValue, min ? DateTimeKind.Unspecified : DateTimeKind.Local);
        var ex = Assert.Throws<KmsSignatureException>(() => new JwtClaimTemplate().Build([new(name, time)], DateTimeOffset.FromUnixTimeSeconds(1000)));
        Assert.Equal("KmsSignature.InvalidClaimValue", ex.ErrorId);
        Assert.Equal(name, ex.Target);
    }
}

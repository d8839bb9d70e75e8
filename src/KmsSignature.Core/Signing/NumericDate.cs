using System.Globalization;
using System.Numerics;

namespace KmsSignature.Core.Signing;

/// <summary>
/// The NumericDate (RFC 7519 §2) of a claim value the signer writes as a JSON number: integers, fractions (kept as
/// written, range-checked as the verifier reads them) and dates (whole seconds, see <see cref="Of(DateTimeOffset, bool)"/>). Only years 1 to 9999 are dates at all here: the
/// signer refuses to write a time claim outside them, which a verifier that holds times as dates cannot read (ours reads
/// a later time as <see cref="DateTimeOffset.MaxValue"/>, an earlier one as no NumericDate).
/// </summary>
internal static class NumericDate
{
    /// <summary>0001-01-01T00:00:00Z.</summary>
    public const long Min = -62135596800;

    /// <summary>9999-12-31T23:59:59Z.</summary>
    public const long Max = 253402300799;

    /// <summary>
    /// A time in whole seconds as the signer writes it: floored, or with <paramref name="roundUp"/> (for <c>nbf</c>) rounded
    /// up, so a sub-second time never widens the validity window (RFC 7519 §4.1.5: no token is valid before its nbf).
    /// </summary>
    public static long Of(DateTimeOffset time, bool roundUp = false) =>
        time.ToUnixTimeSeconds() + (roundUp && time.UtcTicks % TimeSpan.TicksPerSecond != 0 ? 1 : 0);

    /// <summary>
    /// As <see cref="Of(DateTimeOffset, bool)"/> for a DateTime: Local and Unspecified ones (<c>[datetime]'2030-01-01'</c>) are
    /// local time, as PowerShell converts them to the DateTimeOffset of -NotBefore and -IssuedAt. Counted in ticks, not through
    /// a DateTimeOffset, which throws when the local offset moves the time past year 1 or 9999: the result is then simply
    /// outside <see cref="InRange"/>.
    /// </summary>
    public static long Of(DateTime time, bool roundUp = false)
    {
        var utcTicks = time.Kind == DateTimeKind.Utc ? time.Ticks : time.Ticks - TimeZoneInfo.Local.GetUtcOffset(time).Ticks;
        var seconds = Math.DivRem(utcTicks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return seconds + Min + (roundUp && rest != 0 ? 1 : 0);
    }

    /// <summary>
    /// Seconds since the epoch as the signer writes the value (dates rounded as <see cref="Of(DateTimeOffset, bool)"/>), or null for a value that
    /// is not written as a number (string, null, object ...).
    /// </summary>
    public static double? Seconds(object? value, bool roundUp = false) => value switch
    {
        DateTime dt => Of(dt, roundUp),
        DateTimeOffset dto => Of(dto, roundUp),
        // A number is written as given and the verifier range-checks the double it reads before rounding
        // (JwtClaims.ReadDate): check that same double, not a rounded one, or 253402300799.5 passes here and fails there.
        // A decimal is written in full; parsing its text gives the correctly rounded double the verifier reads.
        decimal m => double.Parse(m.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        // A float is written as its shortest text (JoseJson), which reads back as a double other than the float widened.
        float f => double.Parse(f.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        byte or sbyte or short or ushort or int or uint or long or ulong or double =>
            Convert.ToDouble(value, CultureInfo.InvariantCulture),
        BigInteger big => (double)big,
        _ => null,
    };

    /// <summary>Years 1 to 9999: what the signer writes, and what the verifier (JwtClaims.ReadDate) reads as the date itself.</summary>
    public static bool InRange(double seconds) => seconds is >= Min and <= Max;

    /// <summary>The time a claim value stands for, floored to the second, or null when it is not a number or date within years 1 to 9999.</summary>
    public static DateTimeOffset? ToTime(object? value) =>
        Seconds(value) is { } seconds && InRange(seconds) ? DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds)) : null;
}

namespace KmsSignature.LocalKms.Tests.Infrastructure;

/// <summary>A measurement, not a test: runs only with LOCALKMS_MEASURE=1 (timed assertions do not belong in unit tests).</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("LOCALKMS_MEASURE") != "1")
        {
            Skip = "Measurement; set LOCALKMS_MEASURE=1 to run it.";
        }
    }
}

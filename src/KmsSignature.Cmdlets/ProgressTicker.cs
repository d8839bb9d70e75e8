using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Progress for long runs of many small items: a record at most twice a second, and none at all for a run that
/// ends within the first half second, so short commands never flash a progress bar. Checking costs one tick
/// read per item, which matters on paths that handle tens of thousands of items a second. A detail record (one
/// large item's own progress) can sit under the overall one.
/// </summary>
internal sealed class ProgressTicker
{
    private const int IntervalMilliseconds = 500;
    private const int OverallId = 1;
    private const int DetailId = 2;

    private readonly Cmdlet cmdlet;
    private readonly string activity;
    private readonly long started = Environment.TickCount64;
    private long next;
    private bool written;
    private string? detailActivity;

    public ProgressTicker(Cmdlet cmdlet, string activity)
    {
        this.cmdlet = cmdlet;
        this.activity = activity;
        next = started + IntervalMilliseconds;
    }

    /// <summary>True when a record is due; the caller then calls <see cref="Write"/>.</summary>
    public bool Due => Environment.TickCount64 >= next;

    /// <summary>Seconds since the ticker was made, for rates.</summary>
    public double Elapsed => Math.Max(Environment.TickCount64 - started, 1) / 1000.0;

    /// <summary>Writes a record now; <paramref name="percent"/> is -1 when the total is unknown (piped input).</summary>
    public void Write(string status, int percent = -1)
    {
        next = Environment.TickCount64 + IntervalMilliseconds;
        written = true;
        cmdlet.WriteProgress(new ProgressRecord(OverallId, activity, status) { PercentComplete = percent });
    }

    /// <summary>Writes one item's own record under the overall one; call it right after <see cref="Write"/>.</summary>
    public void WriteDetail(string itemActivity, string status, int percent = -1)
    {
        detailActivity = itemActivity;
        cmdlet.WriteProgress(new ProgressRecord(DetailId, itemActivity, status) { ParentActivityId = OverallId, PercentComplete = percent });
    }

    /// <summary>Clears the detail record, if one is shown (when its item is done).</summary>
    public void CompleteDetail()
    {
        if (detailActivity is not null)
        {
            cmdlet.WriteProgress(new ProgressRecord(DetailId, detailActivity, "Done") { ParentActivityId = OverallId, RecordType = ProgressRecordType.Completed });
            detailActivity = null;
        }
    }

    /// <summary>Clears the bar, if one was shown.</summary>
    public void Complete()
    {
        CompleteDetail();
        if (written)
        {
            written = false;
            cmdlet.WriteProgress(new ProgressRecord(OverallId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}

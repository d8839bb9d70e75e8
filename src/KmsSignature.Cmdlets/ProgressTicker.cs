using System.Management.Automation;

namespace KmsSignature.Cmdlets;

/// <summary>
/// Progress for long runs of many small items: a record at most twice a second, and none at all for a run that
/// ends within the first half second, so short commands never flash a progress bar. Checking costs one tick
/// read per item, which matters on paths that handle tens of thousands of items a second. Detail records (large
/// items' own progress, one per slot) can sit under the overall one.
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
    private readonly List<string> detailActivities = []; // by slot: record id DetailId + slot

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

    /// <summary>
    /// Writes the record of the item in <paramref name="slot"/> under the overall one (several large items run at
    /// once with -ThrottleLimit); call it right after <see cref="Write"/>.
    /// </summary>
    public void WriteDetail(int slot, string itemActivity, string status, int percent = -1)
    {
        while (detailActivities.Count <= slot)
        {
            detailActivities.Add(itemActivity);
        }

        detailActivities[slot] = itemActivity;
        cmdlet.WriteProgress(new ProgressRecord(DetailId + slot, itemActivity, status) { ParentActivityId = OverallId, PercentComplete = percent });
    }

    /// <summary>Clears the detail records from <paramref name="fromSlot"/> on (all by default), if any are shown.</summary>
    public void CompleteDetail(int fromSlot = 0)
    {
        for (var slot = fromSlot; slot < detailActivities.Count; slot++)
        {
            cmdlet.WriteProgress(new ProgressRecord(DetailId + slot, detailActivities[slot], "Done")
            {
                ParentActivityId = OverallId,
                RecordType = ProgressRecordType.Completed,
            });
        }

        if (fromSlot < detailActivities.Count)
        {
            detailActivities.RemoveRange(fromSlot, detailActivities.Count - fromSlot);
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

using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Test-KmsSignature stopped (Ctrl+C) while it hashes a large file: the run ends as stopped, and the file is not read on
/// to its end behind the user's back. The file is a named pipe whose writer sends data for as long as someone reads.
/// </summary>
public sealed class TestKmsSignatureStopTests : IDisposable
{
    private readonly PowerShellSession session = new();
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("kms-stop-");

    public void Dispose()
    {
        session.Dispose();
        work.Delete(true);
    }

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Ctrl_C_while_a_large_file_is_hashed_stops_reading_it(int throttleLimit)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the file is a named pipe
        }

        var path = Path.Combine(work.FullName, "endless.bin");
        File.Copy(Fixture("files/message.txt.sig"), path + ".sig");
        using var pipe = new EndlessPipe(path);

        // Stopped once 4 MiB went through: the file is being hashed (a worker's, with -ThrottleLimit 2).
        var run = Task.Run(() => session.RunAndStop($"Test-KmsSignature -LiteralPath $file -PublicKey $key -ThrottleLimit {throttleLimit}",
            new Dictionary<string, object?> { ["file"] = path, ["key"] = Fixture("keys/p256.pem") }, pipe.Flowing));
        var (_, stopped) = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stopped, "the run was not stopped");
        // The reader closed its end, which ends the writer; a reader that went on hashing would keep it writing forever.
        Assert.True(await pipe.NotReadAfterRun(TimeSpan.FromSeconds(30)), "the file was still being read 30 s after the run was stopped");
    }

    // A pipe that trickles fills the first 1 MiB hashing buffer slowly, and the stop was checked only once it was full: the
    // stopped run went on reading it for seconds, on the pipeline thread (Stop waited) or on a worker (behind the user's back).
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Ctrl_C_while_a_trickling_pipe_fills_the_first_buffer_stops_reading_it(int throttleLimit)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the file is a named pipe
        }

        var path = Path.Combine(work.FullName, "trickle.bin");
        File.Copy(Fixture("files/message.txt.sig"), path + ".sig");
        // 1 KiB every 10 ms: a full buffer takes 10 s; stopped once 16 KiB went through.
        using var pipe = new EndlessPipe(path, pieceLength: 1024, flowingAfter: 16 * 1024, pause: TimeSpan.FromMilliseconds(10));

        var run = Task.Run(() => session.RunAndStop($"Test-KmsSignature -LiteralPath $file -PublicKey $key -ThrottleLimit {throttleLimit}",
            new Dictionary<string, object?> { ["file"] = path, ["key"] = Fixture("keys/p256.pem") }, pipe.Flowing));
        var (_, stopped) = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(stopped, "the run was not stopped");
        Assert.True(await pipe.NotReadAfterRun(TimeSpan.FromSeconds(30)), "the file was still being read 30 s after the run was stopped");
        Assert.InRange(pipe.Written, 16 * 1024, (1 << 20) - 1);
    }

    // A signature that is a pipe (process substitution, a download piped in) is read to its end or 64 KiB, and the stop was
    // not checked on the way: a slow one kept the stopped run reading it.
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Ctrl_C_while_a_trickling_signature_pipe_is_read_stops_reading_it(int throttleLimit)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the signature file is a named pipe
        }

        var path = Path.Combine(work.FullName, "message.txt");
        File.Copy(Fixture("files/message.txt"), path);
        // 64 bytes every 10 ms: the 64 KiB bound takes 10 s; stopped once 1 KiB went through.
        using var pipe = new EndlessPipe(path + ".sig", pieceLength: 64, flowingAfter: 1024, pause: TimeSpan.FromMilliseconds(10));

        var run = Task.Run(() => session.RunAndStop($"Test-KmsSignature -LiteralPath $file -PublicKey $key -ThrottleLimit {throttleLimit}",
            new Dictionary<string, object?> { ["file"] = path, ["key"] = Fixture("keys/p256.pem") }, pipe.Flowing));
        var (_, stopped) = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(stopped, "the run was not stopped");
        Assert.True(await pipe.NotReadAfterRun(TimeSpan.FromSeconds(30)), "the signature was still being read 30 s after the run was stopped");
        Assert.InRange(pipe.Written, 1024, 64 * 1024);
    }

    // A pipe whose writer opened it and sends nothing blocked the sequential run in read(), where Ctrl+C never reached it
    // (with -ThrottleLimit the pipeline thread waits for a worker and could stop). Opening a pipe that has no writer at all
    // blocks in open() instead, before the module has a handle: that is not covered here.
    [Theory]
    [InlineData("message")]
    [InlineData("signature")]
    public async Task Ctrl_C_while_a_silent_pipe_is_read_without_ThrottleLimit_stops_the_run(string pipeIs)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the file is a named pipe
        }

        var path = Path.Combine(work.FullName, "silent.txt");
        var fifo = pipeIs == "message" ? path : path + ".sig";
        File.Copy(Fixture(pipeIs == "message" ? "files/message.txt.sig" : "files/message.txt"), pipeIs == "message" ? path + ".sig" : path);
        NamedPipe.Create(fifo);
        using var opened = new ManualResetEvent(false);
        using var release = new ManualResetEventSlim(false);
        var writer = Task.Factory.StartNew(() =>
        {
            using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write); // returns once the run has opened it
            opened.Set();
            release.Wait();
        }, TaskCreationOptions.LongRunning);
        try
        {
            var run = Task.Run(() => session.RunAndStop("Test-KmsSignature -LiteralPath $file -PublicKey $key",
                new Dictionary<string, object?> { ["file"] = path, ["key"] = Fixture("keys/p256.pem") }, opened));
            var (_, stopped) = await run.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.True(stopped, "the run was not stopped");
        }
        finally
        {
            release.Set();
            await writer.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    // At the end of input the results already done were held back until the slowest item was done, so `| Select -First 1`
    // (here a break) waited for a file that never ends. They now come out batch by batch, and ending the run stops the read.
    [Fact]
    public async Task At_the_end_of_input_a_finished_result_comes_out_while_a_slow_file_is_still_read()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the file is a named pipe
        }

        var good = Path.Combine(work.FullName, "message.txt");
        File.Copy(Fixture("files/message.txt"), good);
        File.Copy(Fixture("files/message.txt.sig"), good + ".sig");
        var endless = Path.Combine(work.FullName, "endless.bin");
        File.Copy(Fixture("files/message.txt.sig"), endless + ".sig");
        using var pipe = new EndlessPipe(endless);

        var run = Task.Run(() => session.Run(
            "[IO.FileInfo]::new($good), [IO.FileInfo]::new($endless) | Test-KmsSignature -PublicKey $key -ThrottleLimit 2 | ForEach-Object { [string]$_.Status; break }",
            new Dictionary<string, object?> { ["good"] = good, ["endless"] = endless, ["key"] = Fixture("keys/p256.pem") }));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["Valid"], result.Output.Select(o => o.ToString()));
        Assert.True(await pipe.NotReadAfterRun(TimeSpan.FromSeconds(30)), "the endless file was still being read 30 s after the run ended");
    }

    /// <summary>
    /// A named pipe whose writer sends pieces (64 KiB, at once by default) while a reader keeps its end open; disposing ends
    /// the writer.
    /// </summary>
    private sealed class EndlessPipe : IDisposable
    {
        private readonly string path;
        private readonly Task<bool> writer;
        private readonly int pieceLength;
        private readonly long flowingAfter;
        private readonly TimeSpan pause;
        private volatile bool stop;
        private volatile bool opened;
        private long written;

        public EndlessPipe(string path, int pieceLength = 64 * 1024, long flowingAfter = 4 << 20, TimeSpan pause = default)
        {
            this.path = path;
            this.pieceLength = pieceLength;
            this.flowingAfter = flowingAfter;
            this.pause = pause;
            NamedPipe.Create(path);
            writer = Task.Factory.StartNew(Write, TaskCreationOptions.LongRunning);
        }

        /// <summary>Set once the flowingAfter bytes (4 MiB by default) have been written.</summary>
        public ManualResetEvent Flowing { get; } = new(false);

        /// <summary>Bytes the pipe took so far.</summary>
        public long Written => Interlocked.Read(ref written);

        /// <summary>
        /// True when, within <paramref name="guard"/>, the writer ended because the reader closed the pipe, or no reader has
        /// opened it 2 s after the run ended: on a loaded machine the run can end before a worker starts the endless item,
        /// and a run that has ended starts no item (the writer then waits for a reader until disposed).
        /// </summary>
        public async Task<bool> NotReadAfterRun(TimeSpan guard)
        {
            var elapsed = System.Diagnostics.Stopwatch.StartNew();
            while (elapsed.Elapsed < guard)
            {
                if (writer.IsCompleted)
                {
                    return await writer;
                }

                if (!opened && elapsed.Elapsed > TimeSpan.FromSeconds(2))
                {
                    return true;
                }

                await Task.Delay(20);
            }

            return false;
        }

        // True when the reader closed its end (the write fails); false when told to stop.
        private bool Write()
        {
            var piece = new byte[pieceLength];
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0); // waits for a reader
                opened = true;
                while (!stop)
                {
                    stream.Write(piece);
                    if (Interlocked.Add(ref written, piece.Length) >= flowingAfter)
                    {
                        Flowing.Set();
                    }

                    if (pause > TimeSpan.Zero)
                    {
                        Thread.Sleep(pause);
                    }
                }

                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }

        public void Dispose()
        {
            // A reader still reading gets the end of the file at the writer's next piece; a writer still waiting for a
            // reader is released by a read-write open, which does not wait for a writer.
            stop = true;
            if (!writer.IsCompleted)
            {
                using var release = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            }

            writer.Wait(TimeSpan.FromSeconds(30));
            Flowing.Dispose();
        }
    }
}

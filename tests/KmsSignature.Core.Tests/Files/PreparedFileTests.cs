using KmsSignature.Core.Files;

namespace KmsSignature.Core.Tests.Files;

/// <summary>
/// A write in two steps: <see cref="AtomicFile.Prepare"/> writes and flushes a temporary file next to the target, on any
/// thread; <see cref="PreparedFile.Commit"/> puts it in place, <see cref="PreparedFile.Discard"/> deletes it.
/// </summary>
public sealed class PreparedFileTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("preparedfile-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string[] TemporaryFiles() => Directory.GetFiles(root, ".kmssig-*.tmp");

    [Fact]
    public void Prepare_writes_only_a_temporary_file_and_commit_puts_it_in_place()
    {
        var target = Path.Combine(root, "a.sig");

        using var prepared = AtomicFile.Prepare(target, [1, 2, 3], overwrite: false);

        Assert.False(File.Exists(target));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Assert.Single(TemporaryFiles())));
        prepared.Commit();
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public void Commit_without_overwrite_onto_a_file_that_appeared_meanwhile_is_OutputFileExists_and_leaves_no_temporary_file()
    {
        var target = Path.Combine(root, "a.sig");
        using var prepared = AtomicFile.Prepare(target, [1], overwrite: false);
        File.WriteAllBytes(target, [9]);

        var ex = Assert.Throws<KmsSignatureException>(prepared.Commit);

        Assert.Equal("KmsSignature.OutputFileExists", ex.ErrorId);
        Assert.Equal(target, ex.Target);
        Assert.Equal([9], File.ReadAllBytes(target));
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public void Commit_with_overwrite_replaces_a_file_that_appeared_meanwhile()
    {
        var target = Path.Combine(root, "a.sig");
        using var prepared = AtomicFile.Prepare(target, [1], overwrite: true);
        File.WriteAllBytes(target, [9]);

        prepared.Commit();

        Assert.Equal([1], File.ReadAllBytes(target));
        Assert.Empty(TemporaryFiles());
    }

    [Fact]
    public void Discard_deletes_the_temporary_file_and_a_commit_after_it_is_refused()
    {
        var target = Path.Combine(root, "a.sig");
        var prepared = AtomicFile.Prepare(target, [1], overwrite: false);

        prepared.Discard();
        prepared.Discard();

        Assert.Empty(TemporaryFiles());
        Assert.Throws<InvalidOperationException>(prepared.Commit);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Discard_after_commit_keeps_the_file()
    {
        var target = Path.Combine(root, "a.sig");
        var prepared = AtomicFile.Prepare(target, [1], overwrite: false);

        prepared.Commit();
        prepared.Discard();

        Assert.Equal([1], File.ReadAllBytes(target));
        Assert.Throws<InvalidOperationException>(prepared.Commit);
    }

    [Fact]
    public void Prepare_refuses_an_existing_target_without_overwrite_and_a_directory_and_leaves_nothing()
    {
        var existing = Path.Combine(root, "a.sig");
        File.WriteAllBytes(existing, [9]);

        Assert.Equal("KmsSignature.OutputFileExists", Assert.Throws<KmsSignatureException>(() => AtomicFile.Prepare(existing, [1], overwrite: false)).ErrorId);
        Assert.Equal("KmsSignature.PathIsDirectory", Assert.Throws<KmsSignatureException>(() => AtomicFile.Prepare(root, [1], overwrite: true)).ErrorId);
        Assert.Equal("KmsSignature.OutputNotWritable",
            Assert.Throws<KmsSignatureException>(() => AtomicFile.Prepare(Path.Combine(root, "missing", "a.sig"), [1], overwrite: true)).ErrorId);
        Assert.Empty(TemporaryFiles());
    }

    // Bulk signing prepares on the Sign calls' threads, where concurrent fsyncs are committed together, and commits in order
    // on one thread: every prepare must be able to finish while none is committed. The barrier only opens once all eight
    // threads have prepared at the same time.
    [Fact]
    public async Task Files_are_prepared_on_several_threads_at_once_and_committed_later_in_order()
    {
        const int count = 8;
        using var allPrepared = new Barrier(count);
        var targets = Enumerable.Range(0, count).Select(i => Path.Combine(root, $"{i}.sig")).ToArray();

        var preparing = targets.Select((target, i) => Task.Factory.StartNew(() =>
        {
            var prepared = AtomicFile.Prepare(target, [(byte)i], overwrite: false);
            return allPrepared.SignalAndWait(TimeSpan.FromSeconds(30)) ? prepared : throw new TimeoutException("the prepares did not overlap");
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var prepared = await Task.WhenAll(preparing).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(count, TemporaryFiles().Length);
        Assert.All(targets, target => Assert.False(File.Exists(target)));
        for (var i = 0; i < count; i++)
        {
            prepared[i].Commit();
            Assert.Equal([(byte)i], File.ReadAllBytes(targets[i]));
        }

        Assert.Empty(TemporaryFiles());
    }

    // The directory removed between prepare and commit takes the temporary file with it: the error is the target's, and
    // names the directory, not the temporary file the user never asked for.
    [Fact]
    public void Commit_into_a_directory_removed_meanwhile_is_OutputNotWritable_naming_the_directory_not_the_temporary_file()
    {
        var directory = Path.Combine(root, "gone");
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, "a.sig");
        using var prepared = AtomicFile.Prepare(target, [1], overwrite: false);
        Directory.Delete(directory, recursive: true);

        var ex = Assert.Throws<KmsSignatureException>(prepared.Commit);

        Assert.Equal("KmsSignature.OutputNotWritable", ex.ErrorId);
        Assert.Equal(target, ex.Target);
        Assert.DoesNotContain(".kmssig-", ex.Message);
        Assert.Contains($"the directory '{directory}' does not exist", ex.Message);
    }

    [Fact]
    public void Commit_through_a_symbolic_link_writes_the_file_it_names_and_the_link_stays_a_link()
    {
        var real = Path.Combine(root, "real");
        Directory.CreateDirectory(real);
        File.WriteAllBytes(Path.Combine(real, "a.sig"), [9]);
        var link = Path.Combine(root, "a.sig");
        File.CreateSymbolicLink(link, Path.Combine(real, "a.sig"));
        using var prepared = AtomicFile.Prepare(link, [1], overwrite: true);

        prepared.Commit();

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal([1], File.ReadAllBytes(Path.Combine(real, "a.sig")));
        Assert.Empty(Directory.GetFiles(real, ".kmssig-*.tmp"));
    }

    // "keys/" names a directory, existing or not: the file was written as "keys" in the parent directory.
    [Fact]
    public void A_path_that_ends_with_a_separator_is_PathIsDirectory_and_nothing_is_written()
    {
        var target = Path.Combine(root, "keys") + Path.DirectorySeparatorChar;

        var ex = Assert.Throws<KmsSignatureException>(() => AtomicFile.Prepare(target, [1], overwrite: true));

        Assert.Equal("KmsSignature.PathIsDirectory", ex.ErrorId);
        Assert.Equal(target, ex.Target);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }
}

using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("localkms-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The state holds private keys in the clear: other users of the machine must not read them, whatever the umask.
    [Fact]
    public async Task State_file_is_readable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix mode; the file takes the directory's ACL
        }

        await using (var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }))
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY });
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "localkms-state.json")));
    }

    [Fact]
    public async Task Keys_aliases_policies_and_states_survive_a_restart_and_old_signatures_still_verify()
    {
        var message = "signed before the restart"u8.ToArray();
        string keyArn, edKeyArn, policy;
        byte[] signature, edSignature, spki;
        await using (var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }))
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.RSA_2048, KeyUsage = KeyUsageType.SIGN_VERIFY, Description = "persisted" })).KeyMetadata;
            var ed = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_EDWARDS25519, KeyUsage = KeyUsageType.SIGN_VERIFY, MultiRegion = true })).KeyMetadata;
            var mldsa = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ML_DSA_65, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
            keyArn = key.Arn;
            edKeyArn = ed.Arn;
            await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/persisted", TargetKeyId = key.KeyId });
            policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"{{kms.Signer.Arn}}"},"Action":"kms:Sign","Resource":"*"}]}""";
            await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy });
            await admin.DisableKeyAsync(new DisableKeyRequest { KeyId = mldsa.KeyId });
            signature = (await admin.SignAsync(new SignRequest { KeyId = "alias/persisted", Message = new MemoryStream(message), SigningAlgorithm = "RSASSA_PSS_SHA_256" })).Signature.ToArray();
            edSignature = (await admin.SignAsync(new SignRequest { KeyId = ed.KeyId, Message = new MemoryStream(message), SigningAlgorithm = "ED25519_SHA_512" })).Signature.ToArray();
            spki = (await admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray();
        }

        Assert.Equal(["localkms-state.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
        Assert.Contains("IN THE CLEAR", File.ReadAllText(Path.Combine(_dir, "localkms-state.json")), StringComparison.Ordinal);

        await using (var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }))
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            var described = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/persisted" })).KeyMetadata;
            Assert.Equal(keyArn, described.Arn);
            Assert.Equal("persisted", described.Description);
            Assert.Equal(policy, (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn })).Policy);
            Assert.Equal(spki, (await admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyArn })).PublicKey.ToArray());
            Assert.True((await admin.VerifyAsync(new VerifyRequest { KeyId = keyArn, Message = new MemoryStream(message), Signature = new MemoryStream(signature), SigningAlgorithm = "RSASSA_PSS_SHA_256" })).SignatureValid);
            Assert.True((await admin.VerifyAsync(new VerifyRequest { KeyId = edKeyArn, Message = new MemoryStream(message), Signature = new MemoryStream(edSignature), SigningAlgorithm = "ED25519_SHA_512" })).SignatureValid);
            Assert.True((await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = edKeyArn })).KeyMetadata.MultiRegion);
            Assert.Equal(3, (await admin.ListKeysAsync(new ListKeysRequest())).Keys.Count);

            var states = new List<string>();
            foreach (var entry in (await admin.ListKeysAsync(new ListKeysRequest())).Keys)
            {
                states.Add((await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = entry.KeyId })).KeyMetadata.KeyState.Value);
            }

            Assert.Contains("Disabled", states);

            using var signer = KmsClients.Create(kms, kms.Signer);
            await signer.SignAsync(new SignRequest { KeyId = keyArn, Message = new MemoryStream(message), SigningAlgorithm = "RSASSA_PKCS1_V1_5_SHA_256" });
        }
    }

    [Fact]
    public async Task Without_a_data_directory_nothing_is_written_and_state_is_per_instance()
    {
        await using (var kms = await LocalKmsServer.StartAsync())
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY });
        }

        await using (var kms = await LocalKmsServer.StartAsync())
        {
            using var admin = KmsClients.Create(kms, kms.Admin);
            Assert.Empty((await admin.ListKeysAsync(new ListKeysRequest())).Keys);
        }
    }

    [Theory]
    [InlineData("""{"version":2,"keys":[],"aliases":[],"grants":[]}""", "newer LocalKms (state version 2)")]
    [InlineData("""{"version":1,"keys":[""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[]", "does not hold a LocalKms state object")]
    [InlineData("""{"keys":[],"aliases":[]}""", "no supported state version")]
    [InlineData("""{"version":1,"keys":[{"keyId":"x"}],"aliases":[]}""", "key entry LocalKms cannot read")]
    [InlineData("""{"version":1,"keys":[],"aliases":[{"name":"alias/a"}]}""", "alias entry LocalKms cannot read")]
    public async Task A_state_file_that_cannot_be_read_is_refused_by_name_and_left_unchanged(string content, string reason)
    {
        var path = Path.Combine(_dir, "localkms-state.json");
        await File.WriteAllTextAsync(path, content);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_data_directory_where_the_state_file_cannot_be_written_is_refused_at_start()
    {
        var path = Directory.CreateDirectory(Path.Combine(_dir, "localkms-state.json")).FullName;

        var error = await Assert.ThrowsAsync<IOException>(() => LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }));

        Assert.Contains($"LocalKms cannot write its state file {path}", error.Message, StringComparison.Ordinal);
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Temp_files_a_killed_LocalKms_left_behind_are_removed_at_start_and_nothing_else()
    {
        // What Save leaves when the process is killed between creating its temp file and renaming it.
        var leftovers = new[]
        {
            $"localkms-state.json.{Guid.NewGuid():N}.tmp",
            $"localkms-state.json.{Guid.NewGuid():N}.tmp",
        };
        var others = new[]
        {
            "localkms-state.json.tmp",
            "localkms-state.json.backup.tmp",
            $"localkms-state.json.{Guid.NewGuid():N}.tmp.keep",
            $"localkms-state.json.{Guid.NewGuid().ToString("N").ToUpperInvariant()}.tmp",
            $"localkms-state.json.{Guid.NewGuid()}.tmp",
            $"other.json.{Guid.NewGuid():N}.tmp",
            "notes.txt",
        };
        foreach (var name in leftovers.Concat(others))
        {
            File.WriteAllText(Path.Combine(_dir, name), "{\"version\":1,\"keys\":[]");
        }

        Directory.CreateDirectory(Path.Combine(_dir, $"localkms-state.json.{Guid.NewGuid():N}.tmp.d"));

        await using (await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir }))
        {
            Assert.Equal(
                [.. others.Append("localkms-state.json").Order(StringComparer.Ordinal)],
                Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_new_data_directory_holds_a_state_file_from_the_start()
    {
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir });
        Assert.Equal(["localkms-state.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_change_that_cannot_be_saved_fails_and_is_not_kept_in_memory()
    {
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { DataDirectory = _dir });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Description = "saved" })).KeyMetadata;
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/saved", TargetKeyId = key.KeyId });

        // The state file's place taken by a directory: every later save fails, as on a full or read-only disk.
        var path = Path.Combine(_dir, "localkms-state.json");
        File.Delete(path);
        Directory.CreateDirectory(path);

        await Assert.ThrowsAsync<KMSInternalException>(() => admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }));
        await Assert.ThrowsAsync<KMSInternalException>(() => admin.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/unsaved", TargetKeyId = key.KeyId }));
        await Assert.ThrowsAsync<KMSInternalException>(() => admin.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/saved" }));
        await Assert.ThrowsAsync<KMSInternalException>(() => admin.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "unsaved" }));
        await Assert.ThrowsAsync<KMSInternalException>(() => admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }));

        Assert.Equal([key.KeyId], (await admin.ListKeysAsync(new ListKeysRequest())).Keys.Select(static k => k.KeyId));
        Assert.Equal(["alias/saved"], (await admin.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId })).Aliases.Select(static a => a.AliasName));
        var described = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/saved" })).KeyMetadata;
        Assert.Equal(("saved", "Enabled"), (described.Description, described.KeyState.Value));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }
}

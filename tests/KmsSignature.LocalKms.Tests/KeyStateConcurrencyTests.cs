using System.Buffers;
using System.Text;
using System.Text.Json;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Operations;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Tests;

/// <summary>
/// A change to a key checks the key's state (not pending deletion, still there) where it makes the change, under the store's
/// mutation lock. The operations run in process: the test holds the lock while the operation queues on it, and changes the
/// key's state before letting go, so the operation always comes after that change.
/// </summary>
public sealed class KeyStateConcurrencyTests
{
    private const string Account = "111122223333";
    private const string ScheduledForDeletion = "scheduled for deletion";
    private const string Deleted = "deleted";

    [Theory]
    [InlineData("UpdateKeyDescription", """{"KeyId":"{key}","Description":"changed"}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("TagResource", """{"KeyId":"{key}","Tags":[{"TagKey":"team","TagValue":"changed"}]}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("UntagResource", """{"KeyId":"{key}","TagKeys":["team"]}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("EnableKey", """{"KeyId":"{key}"}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("DisableKey", """{"KeyId":"{key}"}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("CreateAlias", """{"AliasName":"alias/new","TargetKeyId":"{key}"}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("UpdateAlias", """{"AliasName":"alias/queued","TargetKeyId":"{key}"}""", ScheduledForDeletion, "KMSInvalidStateException")]
    [InlineData("CancelKeyDeletion", """{"KeyId":"{key}"}""", Deleted, "NotFoundException")]
    [InlineData("PutKeyPolicy", """{"KeyId":"{key}","Policy":"{policy}"}""", Deleted, "NotFoundException")]
    public void A_change_queued_behind_a_key_state_change_sees_it(string operation, string body, string stateChange, string error)
    {
        var clock = new SettableClock();
        var store = new KeyStore("us-east-1", Account, stateFile: null, clock);
        var operations = new KmsOperations(store);
        var admin = LocalKmsPrincipal.Defaults(Account)[0];
        var caller = new CallerIdentity(admin, PolicyDocument.Parse(admin.IdentityPolicyJson!, isKeyPolicy: false));
        var key = NewKey(operations, caller, store);
        var other = NewKey(operations, caller, store);
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/queued","TargetKeyId":"{{other.KeyId}}"}""");
        Invoke(operations, caller, "TagResource", $$"""{"KeyId":"{{key.KeyId}}","Tags":[{"TagKey":"team","TagValue":"release"}]}""");
        if (stateChange == Deleted)
        {
            Invoke(operations, caller, "ScheduleKeyDeletion", $$"""{"KeyId":"{{key.KeyId}}","PendingWindowInDays":7}""");
        }

        KeyStatus? statusAfterChange = null;
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() => store.Mutate(() =>
        {
            holding.Set();
            release.Wait();

            // The lock is reentrant: the state change runs under the same hold, before the queued operation.
            if (stateChange == Deleted)
            {
                clock.Advance(TimeSpan.FromDays(8));
                store.DeleteDueKeys();
            }
            else
            {
                Invoke(operations, caller, "ScheduleKeyDeletion", $$"""{"KeyId":"{{key.KeyId}}","PendingWindowInDays":7}""");
            }

            statusAfterChange = key.Status;
        }));
        holder.Start();
        holding.Wait();

        var rootPolicy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:root"},"Action":"kms:*","Resource":"*"}]}""";
        var request = body.Replace("{key}", key.KeyId, StringComparison.Ordinal).Replace("{policy}", JsonEncodedText.Encode(rootPolicy).ToString(), StringComparison.Ordinal);
        KmsErrorException? operationError = null;
        var queued = new Thread(() =>
        {
            try
            {
                Invoke(operations, caller, operation, request);
            }
            catch (KmsErrorException ex)
            {
                operationError = ex;
            }
        });
        queued.Start();
        WaitUntilBlocked(queued);

        release.Set();
        holder.Join();
        queued.Join();

        Assert.Equal(error, operationError?.ErrorType);
        Assert.Same(statusAfterChange, key.Status);
        Assert.Null(store.FindAlias("alias/new"));
        Assert.Equal(other.KeyId, store.FindAlias("alias/queued")?.TargetKeyId);
    }

    private static KmsKey NewKey(KmsOperations operations, CallerIdentity caller, KeyStore store)
    {
        var created = Invoke(operations, caller, "CreateKey", """{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}""");
        return store.Resolve(created.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!, allowAlias: false);
    }

    private static void WaitUntilBlocked(Thread thread)
    {
        while ((thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            Thread.Yield();
        }
    }

    private static JsonElement Invoke(KmsOperations operations, CallerIdentity caller, string operation, string body)
    {
        var input = JsonInput.Parse(Encoding.UTF8.GetBytes(body), out var document);
        using (document)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                operations.Find(operation)(new OperationContext(caller, input, writer));
                writer.WriteEndObject();
            }

            return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
        }
    }

    private sealed class SettableClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Operations;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Tests;

/// <summary>
/// KMS refuses CreateAlias and UpdateAlias to a key pending deletion, however the two requests interleave. The operations run in
/// process here, so the test can hold the store's mutation lock while both requests queue on it.
/// </summary>
public sealed class AliasConcurrencyTests
{
    private const int Rounds = 20;

    [Theory]
    [InlineData("CreateAlias")]
    [InlineData("UpdateAlias")]
    public void An_alias_never_comes_to_a_key_whose_deletion_was_scheduled_before_the_alias_changed(string operation)
    {
        var clock = new ObservingClock();
        var store = new KeyStore("us-east-1", "111122223333", stateFile: null, clock);
        var operations = new KmsOperations(store);
        var admin = LocalKmsPrincipal.Defaults("111122223333")[0];
        var caller = new CallerIdentity(admin, PolicyDocument.Parse(admin.IdentityPolicyJson!, isKeyPolicy: false));

        for (var round = 0; round < Rounds; round++)
        {
            var created = Invoke(operations, caller, "CreateKey", """{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}""");
            var key = store.Resolve(created.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!, allowAlias: false);
            var alias = $"alias/race-{round}";
            if (operation == "UpdateAlias")
            {
                var other = Invoke(operations, caller, "CreateKey", """{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}""");
                Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"{{alias}}","TargetKeyId":"{{other.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()}}"}""");
            }


            // Both requests queue on the held lock, ScheduleKeyDeletion first; the alias change must see its effect.
            using var holding = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var holder = new Thread(() => store.Mutate(() =>
            {
                holding.Set();
                release.Wait();
            }));
            holder.Start();
            holding.Wait();

            var schedule = new Thread(() => Invoke(operations, caller, "ScheduleKeyDeletion", $$"""{"KeyId":"{{key.KeyId}}","PendingWindowInDays":7}"""));
            schedule.Start();
            WaitUntilBlocked(schedule);

            KmsErrorException? aliasError = null;
            var changeAlias = new Thread(() =>
            {
                try
                {
                    Invoke(operations, caller, operation, $$"""{"AliasName":"{{alias}}","TargetKeyId":"{{key.KeyId}}"}""");
                }
                catch (KmsErrorException ex)
                {
                    aliasError = ex;
                }
            });
            clock.Observe(changeAlias, key);
            changeAlias.Start();
            WaitUntilBlocked(changeAlias);

            release.Set();
            holder.Join();
            changeAlias.Join();
            schedule.Join();

            Assert.Equal("PendingDeletion", key.Status.State);
            if (aliasError is null)
            {
                // Changed after the deletion was scheduled would be the race: the key was pending deletion when the alias was dated.
                Assert.Equal("Enabled", clock.LastObservedState);
                Assert.Equal(key.KeyId, store.FindAlias(alias)?.TargetKeyId);
            }
            else
            {
                Assert.Equal("KMSInvalidStateException", aliasError.ErrorType);
                Assert.NotEqual(key.KeyId, store.FindAlias(alias)?.TargetKeyId);
            }
        }
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

    /// <summary>Records the key's state whenever the observed thread reads the clock; its last read dates the new alias.</summary>
    private sealed class ObservingClock : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
        private volatile Thread? _thread;
        private volatile KmsKey? _key;

        public string? LastObservedState { get; private set; }

        public void Observe(Thread thread, KmsKey key)
        {
            _key = key;
            _thread = thread;
            LastObservedState = null;
        }

        public override DateTimeOffset GetUtcNow()
        {
            if (Thread.CurrentThread == _thread)
            {
                LastObservedState = _key!.Status.State;
            }

            return _now;
        }
    }
}

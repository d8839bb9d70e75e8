using System.Buffers;
using System.Text;
using System.Text.Json;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Operations;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Tests;

/// <summary>
/// A change to a key checks the key's state (not pending deletion, still there) and the caller's authorization where it makes
/// the change, under the store's mutation lock. The operations run in process: the test holds the lock while the operation
/// queues on it, and changes the key's state or policy (or an alias) before letting go, so the operation always comes after that change.
/// </summary>
public sealed class KeyStateConcurrencyTests
{
    private const string Account = "111122223333";
    private const string ScheduledForDeletion = "scheduled for deletion";
    private const string Deleted = "deleted";
    private const string PolicyRevoked = "policy revoked";
    private const string RootPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";

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
    [InlineData("UpdateKeyDescription", """{"KeyId":"{key}","Description":"changed"}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("TagResource", """{"KeyId":"{key}","Tags":[{"TagKey":"team","TagValue":"changed"}]}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("UntagResource", """{"KeyId":"{key}","TagKeys":["team"]}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("DisableKey", """{"KeyId":"{key}"}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("ScheduleKeyDeletion", """{"KeyId":"{key}","PendingWindowInDays":7}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("CancelKeyDeletion", """{"KeyId":"{key}"}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("CreateAlias", """{"AliasName":"alias/new","TargetKeyId":"{key}"}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("UpdateAlias", """{"AliasName":"alias/queued","TargetKeyId":"{key}"}""", PolicyRevoked, "AccessDeniedException")]
    [InlineData("PutKeyPolicy", """{"KeyId":"{key}","Policy":"{policy}"}""", PolicyRevoked, "AccessDeniedException")]
    public void A_change_queued_behind_a_key_state_change_sees_it(string operation, string body, string stateChange, string error)
    {
        var clock = new SettableClock();
        var store = new KeyStore("us-east-1", Account, stateFile: null, clock);
        var operations = new KmsOperations(store);
        var caller = AdminCaller();
        var key = NewKey(operations, caller, store);
        var other = NewKey(operations, caller, store);
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/queued","TargetKeyId":"{{other.KeyId}}"}""");
        Invoke(operations, caller, "TagResource", $$"""{"KeyId":"{{key.KeyId}}","Tags":[{"TagKey":"team","TagValue":"release"}]}""");
        if (stateChange == Deleted || operation == "CancelKeyDeletion")
        {
            Invoke(operations, caller, "ScheduleKeyDeletion", $$"""{"KeyId":"{{key.KeyId}}","PendingWindowInDays":7}""");
        }

        KeyStatus? statusAfterChange = null;
        var request = body.Replace("{key}", key.KeyId, StringComparison.Ordinal).Replace("{policy}", JsonEncodedText.Encode(RootPolicy).ToString(), StringComparison.Ordinal);
        var operationError = QueueBehind(
            store,
            change: () =>
            {
                if (stateChange == Deleted)
                {
                    clock.Advance(TimeSpan.FromDays(8));
                    store.DeleteDueKeys();
                }
                else if (stateChange == PolicyRevoked)
                {
                    PutPolicyDenying(operations, caller, key, "kms:" + operation);
                }
                else
                {
                    Invoke(operations, caller, "ScheduleKeyDeletion", $$"""{"KeyId":"{{key.KeyId}}","PendingWindowInDays":7}""");
                }

                statusAfterChange = key.Status;
            },
            operation: () => Invoke(operations, caller, operation, request));

        Assert.Equal(error, operationError?.ErrorType);
        Assert.Same(statusAfterChange, key.Status);
        Assert.Null(store.FindAlias("alias/new"));
        Assert.Equal(other.KeyId, store.FindAlias("alias/queued")?.TargetKeyId);
    }

    [Fact]
    public void DeleteAlias_queued_behind_a_move_of_its_alias_is_authorized_on_the_key_the_alias_now_names()
    {
        var store = new KeyStore("us-east-1", Account, stateFile: null);
        var operations = new KmsOperations(store);
        var caller = AdminCaller();
        var allowing = NewKey(operations, caller, store);
        var denying = NewKey(operations, caller, store);
        PutPolicyDenying(operations, caller, denying, "kms:DeleteAlias");
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{allowing.KeyId}}"}""");

        var operationError = QueueBehind(
            store,
            change: () => Invoke(operations, caller, "UpdateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{denying.KeyId}}"}"""),
            operation: () => Invoke(operations, caller, "DeleteAlias", """{"AliasName":"alias/moving"}"""));

        Assert.Equal("AccessDeniedException", operationError?.ErrorType);
        Assert.Equal(denying.KeyId, store.FindAlias("alias/moving")?.TargetKeyId);
    }

    [Fact]
    public void UpdateAlias_queued_behind_a_move_of_its_alias_is_authorized_on_the_key_the_alias_now_names()
    {
        var store = new KeyStore("us-east-1", Account, stateFile: null);
        var operations = new KmsOperations(store);
        var caller = AdminCaller();
        var allowing = NewKey(operations, caller, store);
        var denying = NewKey(operations, caller, store);
        var target = NewKey(operations, caller, store);
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{allowing.KeyId}}"}""");

        var operationError = QueueBehind(
            store,
            change: () =>
            {
                Invoke(operations, caller, "UpdateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{denying.KeyId}}"}""");
                PutPolicyDenying(operations, caller, denying, "kms:UpdateAlias");
            },
            operation: () => Invoke(operations, caller, "UpdateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{target.KeyId}}"}"""));

        Assert.Equal("AccessDeniedException", operationError?.ErrorType);
        Assert.Equal(denying.KeyId, store.FindAlias("alias/moving")?.TargetKeyId);
    }

    /// <summary>
    /// A read takes no lock: it checks the caller's authorization and the key's state, and answers, from one snapshot of the
    /// key. Right after the read is authorized, the test denies that action to the caller, enables the disabled key and changes
    /// its tag: no moment had the key both enabled and the action allowed, so the read answers as for the key before the change.
    /// </summary>
    [Theory]
    [InlineData("Sign", """{"KeyId":"{key}","Message":"AQ==","SigningAlgorithm":"ECDSA_SHA_256"}""", "DisabledException", null, null)]
    [InlineData("Verify", """{"KeyId":"{key}","Message":"AQ==","Signature":"AQ==","SigningAlgorithm":"ECDSA_SHA_256"}""", "DisabledException", null, null)]
    [InlineData("GetPublicKey", """{"KeyId":"{key}"}""", "DisabledException", null, null)]
    [InlineData("DescribeKey", """{"KeyId":"{key}"}""", null, "KeyState", "Disabled")]
    [InlineData("GetKeyPolicy", """{"KeyId":"{key}","PolicyName":"default"}""", null, "Policy", "{policy}")]
    [InlineData("ListResourceTags", """{"KeyId":"{key}"}""", null, "Tags", "release")]
    public void A_read_answers_from_the_key_status_it_was_authorized_against(string operation, string body, string? error, string? property, string? value)
    {
        var store = new KeyStore("us-east-1", Account, stateFile: null);
        var operations = new KmsOperations(store);
        var caller = AdminCaller();
        var key = NewKey(operations, caller, store);
        Invoke(operations, caller, "TagResource", $$"""{"KeyId":"{{key.KeyId}}","Tags":[{"TagKey":"team","TagValue":"release"}]}""");
        Invoke(operations, caller, "DisableKey", $$"""{"KeyId":"{{key.KeyId}}"}""");
        var policyBefore = key.Status.PolicyText;

        var changed = false;
        operations.Authorized = action =>
        {
            if (action == "kms:" + operation && !changed)
            {
                changed = true;
                PutPolicyDenying(operations, caller, key, action);
                Invoke(operations, caller, "EnableKey", $$"""{"KeyId":"{{key.KeyId}}"}""");
                Invoke(operations, caller, "TagResource", $$"""{"KeyId":"{{key.KeyId}}","Tags":[{"TagKey":"team","TagValue":"changed"}]}""");
            }
        };

        KmsErrorException? operationError = null;
        JsonElement response = default;
        try
        {
            response = Invoke(operations, caller, operation, body.Replace("{key}", key.KeyId, StringComparison.Ordinal));
        }
        catch (KmsErrorException ex)
        {
            operationError = ex;
        }

        Assert.True(changed);
        Assert.Equal("Enabled", key.Status.State);
        Assert.Equal(error, operationError?.ErrorType);
        if (property is not null)
        {
            var answered = operation switch
            {
                "DescribeKey" => response.GetProperty("KeyMetadata").GetProperty(property),
                "ListResourceTags" => Assert.Single(response.GetProperty(property).EnumerateArray()).GetProperty("TagValue"),
                _ => response.GetProperty(property),
            };
            Assert.Equal(value == "{policy}" ? policyBefore : value, answered.GetString());
        }
    }

    /// <summary>
    /// kms:ResourceAliases comes from the same snapshot as the policy and the key state. The key is disabled and has an alias the
    /// policy denies the read for; once the read has its snapshot, the test enables the key, then deletes the alias. The read
    /// is denied, as at the snapshot: read live, the aliases would let through a read of the disabled key (no moment had both).
    /// </summary>
    [Theory]
    [InlineData("Sign", """{"KeyId":"{key}","Message":"AQ==","SigningAlgorithm":"ECDSA_SHA_256"}""")]
    [InlineData("Verify", """{"KeyId":"{key}","Message":"AQ==","Signature":"AQ==","SigningAlgorithm":"ECDSA_SHA_256"}""")]
    [InlineData("GetPublicKey", """{"KeyId":"{key}"}""")]
    [InlineData("DescribeKey", """{"KeyId":"{key}"}""")]
    [InlineData("GetKeyPolicy", """{"KeyId":"{key}","PolicyName":"default"}""")]
    [InlineData("ListResourceTags", """{"KeyId":"{key}"}""")]
    public void A_read_checks_kms_ResourceAliases_in_the_key_status_it_was_authorized_against(string operation, string body)
    {
        var store = new KeyStore("us-east-1", Account, stateFile: null);
        var operations = new KmsOperations(store);
        // kms:ResourceAliases is for IAM policies only: the Deny is in the caller's identity policy, under the default key policy.
        var admin = LocalKmsPrincipal.Defaults(Account)[0];
        var identityPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:{operation}","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/blocked"}}}]}"""
            .Replace("{operation}", operation, StringComparison.Ordinal);
        var caller = new CallerIdentity(admin, PolicyDocument.Parse(identityPolicy, isKeyPolicy: false));
        var key = NewKey(operations, caller, store);
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/blocked","TargetKeyId":"{{key.KeyId}}"}""");
        Invoke(operations, caller, "DisableKey", $$"""{"KeyId":"{{key.KeyId}}"}""");

        var changed = false;
        operations.StatusRead = action =>
        {
            if (action == "kms:" + operation && !changed)
            {
                changed = true;
                Invoke(operations, caller, "EnableKey", $$"""{"KeyId":"{{key.KeyId}}"}""");
                Invoke(operations, caller, "DeleteAlias", """{"AliasName":"alias/blocked"}""");
            }
        };

        var error = Assert.Throws<KmsErrorException>(() => Invoke(operations, caller, operation, body.Replace("{key}", key.KeyId, StringComparison.Ordinal)));

        Assert.True(changed);
        Assert.Equal("AccessDeniedException", error.ErrorType);
        Assert.Null(store.FindAlias("alias/blocked"));
    }

    /// <summary>
    /// A read by alias acts on a key the alias names in the snapshot it goes on with. Right after the read looks the alias up,
    /// the test moves it to another key and enables the disabled key it named: no moment had the alias name the enabled key,
    /// so the read answers for the key the alias was moved to.
    /// </summary>
    [Theory]
    [InlineData("Sign", """{"KeyId":"alias/moving","Message":"AQ==","SigningAlgorithm":"ECDSA_SHA_256"}""")]
    [InlineData("GetPublicKey", """{"KeyId":"alias/moving"}""")]
    [InlineData("DescribeKey", """{"KeyId":"alias/moving"}""")]
    public void A_read_by_alias_acts_on_the_key_the_alias_names_in_its_snapshot(string operation, string body)
    {
        var store = new KeyStore("us-east-1", Account, stateFile: null);
        var operations = new KmsOperations(store);
        var caller = AdminCaller();
        var movedFrom = NewKey(operations, caller, store);
        var movedTo = NewKey(operations, caller, store);
        Invoke(operations, caller, "CreateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{movedFrom.KeyId}}"}""");
        Invoke(operations, caller, "DisableKey", $$"""{"KeyId":"{{movedFrom.KeyId}}"}""");

        var changed = false;
        operations.KeyResolved = action =>
        {
            if (action == "kms:" + operation && !changed)
            {
                changed = true;
                Invoke(operations, caller, "UpdateAlias", $$"""{"AliasName":"alias/moving","TargetKeyId":"{{movedTo.KeyId}}"}""");
                Invoke(operations, caller, "EnableKey", $$"""{"KeyId":"{{movedFrom.KeyId}}"}""");
            }
        };

        var response = Invoke(operations, caller, operation, body);

        Assert.True(changed);
        var answered = operation == "DescribeKey" ? response.GetProperty("KeyMetadata").GetProperty("Arn") : response.GetProperty("KeyId");
        Assert.Equal(movedTo.Arn, answered.GetString());
    }

    /// <summary>
    /// Runs <paramref name="change"/> while <paramref name="operation"/> waits on the store's lock, so the operation comes after it.
    /// Returns the operation's error, if any.
    /// </summary>
    private static KmsErrorException? QueueBehind(KeyStore store, Action change, Action operation)
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() => store.Mutate(() =>
        {
            holding.Set();
            release.Wait();

            // The lock is reentrant: the change runs under the same hold, before the queued operation.
            change();
        }));
        holder.Start();
        holding.Wait();

        KmsErrorException? operationError = null;
        var queued = new Thread(() =>
        {
            try
            {
                operation();
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
        return operationError;
    }

    /// <summary>The account-root policy plus an explicit Deny of one action for the caller (bypassing the lockout check when it denies kms:PutKeyPolicy).</summary>
    private static CallerIdentity AdminCaller()
    {
        var admin = LocalKmsPrincipal.Defaults(Account)[0];
        return new CallerIdentity(admin, PolicyDocument.Parse(admin.IdentityPolicyJson!, isKeyPolicy: false));
    }

    private static void PutPolicyDenying(KmsOperations operations, CallerIdentity caller, KmsKey key, string action)
    {
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"AWS":"{{caller.Arn}}"},"Action":"{{action}}","Resource":"*"}]}""";
        Invoke(operations, caller, "PutKeyPolicy", $$"""{"KeyId":"{{key.KeyId}}","Policy":"{{JsonEncodedText.Encode(policy)}}","BypassPolicyLockoutSafetyCheck":true}""");
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

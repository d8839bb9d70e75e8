using System.Text;
using System.Text.Json.Nodes;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Policy;

/// <summary>
/// Merges signer/verifier grants into a key policy: reads our statements (by Sid) to learn the current
/// grants, applies the request, and changes only what we own in our statements (principals, actions, the
/// signers' kms:SigningAlgorithm condition) in place; new ones are appended. Every other statement and field,
/// and whatever else a statement with our Sid holds (conditions someone added), is kept exactly.
/// Verifier statements never grant kms:Sign.
/// </summary>
public static class SignerPolicyMerge
{
    private static readonly string[] SignActions = ["kms:Sign"];
    private static readonly string[] PublicKeyActions = ["kms:DescribeKey", "kms:GetPublicKey"];
    private static readonly string[] VerifyActions = ["kms:Verify"];

    /// <summary>Checks the principals and algorithm names of a request (what needs no policy to check); throws on the first bad one.</summary>
    public static void Validate(SignerPolicyRequest request) => _ = Validated(request);

    /// <summary>
    /// Refuses a request that asks for nothing (<see cref="SignerPolicyRequest.AsksForChange"/>), before any call: its plan
    /// would always be NoChange, which would hide the mistake (a list of principals that came out empty, a forgotten parameter).
    /// </summary>
    public static void RequireChange(SignerPolicyRequest request, string? keyId = null)
    {
        if (!request.AsksForChange)
        {
            throw new KmsSignatureException("NothingToChange", ErrorKind.InvalidArgument,
                $"Nothing to change in the key policy{(keyId is null ? string.Empty : $" of {keyId}")}: no -SignerPrincipal, -VerifierPrincipal, " +
                "-SigningAlgorithm or -AllowKmsVerify was given (-Remove and -Force only qualify those). Nothing was read or changed.", keyId)
            {
                RecommendedAction = "Name the principals to grant with -SignerPrincipal or -VerifierPrincipal (add -Remove to revoke them), " +
                                    "or give -SigningAlgorithm or -AllowKmsVerify.",
            };
        }
    }

    public static SignerPolicyPlan Plan(KeyPolicyDocument current, SignerPolicyRequest request, string? keyId = null)
    {
        var (signersGiven, verifiersGiven, algorithmsGiven) = Validated(request);

        var before = current.Clone();
        var after = current.Clone();
        var existing = new Dictionary<string, (int Index, JsonObject Node)>(StringComparer.Ordinal);
        var statements = after.StatementArray();
        for (var i = 0; i < statements.Count; i++)
        {
            var node = (JsonObject)statements[i]!;
            var sid = OwnStatement.Strings(node["Sid"]).FirstOrDefault();
            if (!SignerPolicySids.IsOurs(sid))
            {
                continue;
            }

            if (!existing.TryAdd(sid!, (i, node)))
            {
                throw new KmsSignatureException("MalformedKeyPolicy", ErrorKind.InvalidData,
                    $"The key policy{(keyId is null ? string.Empty : $" of {keyId}")} has two statements with Sid '{sid}'; " +
                    "this module cannot tell which one is its own. Nothing was changed.", keyId)
                {
                    RecommendedAction = "Remove or rename the duplicate statement with Write-KMSKeyPolicy or the AWS console, then run Set-KmsSignerPolicy again.",
                };
            }

            EnsurePlainAllow(sid!, node, keyId);
        }

        OwnStatement? Current(string sid) => existing.TryGetValue(sid, out var e) ? OwnStatement.Read(sid, e.Node) : null;

        // Each statement keeps its own principals, so what someone added to or took from one of them by hand stays so.
        // KmsSignatureSigners and KmsSignatureVerifiers say who the signers and verifiers are; a principal the request
        // names joins their companion statements (public key, kms:Verify) only when it is new to them, and leaves them
        // with -Remove. A missing companion starts from its main statement (repairing the pair); a missing main
        // statement starts empty, never from its companion, which would grant kms:Sign to public-key-only principals.
        IReadOnlyList<string> PrincipalsOf(string sid) => Current(sid)?.Principals ?? [];
        IReadOnlyList<string> Changing(IReadOnlyList<string> given, string mainSid) =>
            request.Remove ? given : given.Where(p => !PrincipalsOf(mainSid).Contains(p, IamPrincipal.Comparer)).ToArray();
        var signers = Apply(PrincipalsOf(SignerPolicySids.Signers), signersGiven, request.Remove);
        var signersPublicKey = Apply(Current(SignerPolicySids.SignersPublicKey)?.Principals ?? PrincipalsOf(SignerPolicySids.Signers),
            Changing(signersGiven, SignerPolicySids.Signers), request.Remove);
        var verifiers = Apply(PrincipalsOf(SignerPolicySids.Verifiers), verifiersGiven, request.Remove);
        var currentAlgorithms = Current(SignerPolicySids.Signers)?.Algorithms ?? [];
        var algorithms = algorithmsGiven is null
            ? currentAlgorithms
            : request.Remove
                ? Apply(currentAlgorithms, algorithmsGiven, remove: true, StringComparer.Ordinal)
                : Apply([], algorithmsGiven, remove: false, StringComparer.Ordinal);
        if (request.Remove && algorithmsGiven is { Length: > 0 } && signers.Count > 0 && algorithms.Count == 0)
        {
            throw currentAlgorithms.Count > 0
                ? LastSigningAlgorithm(algorithmsGiven, keyId)
                : SigningAlgorithmNotRestricted(algorithmsGiven, keyId);
        }

        // -AllowKmsVerify grants kms:Verify to every verifier; -AllowKmsVerify:$false (or with -Remove) takes it from all;
        // omitted, the statement's own principals change only by the verifiers the request names.
        var kmsVerifiers = request.AllowKmsVerify switch
        {
            true when !request.Remove => Apply(PrincipalsOf(SignerPolicySids.VerifiersKmsVerify), verifiers, remove: false),
            null when existing.ContainsKey(SignerPolicySids.VerifiersKmsVerify) =>
                Apply(PrincipalsOf(SignerPolicySids.VerifiersKmsVerify), Changing(verifiersGiven, SignerPolicySids.Verifiers), request.Remove),
            _ => [],
        };

        if (algorithmsGiven is { Length: > 0 } && !request.Remove && signers.Count == 0)
        {
            throw new KmsSignatureException("SigningAlgorithmWithoutSigner", ErrorKind.InvalidArgument,
                "-SigningAlgorithm restricts what signers may use, but the key policy has no signers and none were given.", keyId)
            {
                RecommendedAction = "Add -SignerPrincipal.",
            };
        }

        var desired = new Dictionary<string, OwnStatement>(StringComparer.Ordinal);
        if (signers.Count > 0)
        {
            desired[SignerPolicySids.Signers] = new OwnStatement(SignerPolicySids.Signers, signers, SignActions, algorithms);
        }

        if (signersPublicKey.Count > 0)
        {
            desired[SignerPolicySids.SignersPublicKey] = new OwnStatement(SignerPolicySids.SignersPublicKey, signersPublicKey, PublicKeyActions, null);
        }

        if (verifiers.Count > 0)
        {
            desired[SignerPolicySids.Verifiers] = new OwnStatement(SignerPolicySids.Verifiers, verifiers, PublicKeyActions, null);
        }

        if (kmsVerifiers.Count > 0)
        {
            desired[SignerPolicySids.VerifiersKmsVerify] = new OwnStatement(SignerPolicySids.VerifiersKmsVerify, kmsVerifiers, VerifyActions, null);
        }

        var changes = new List<PolicyStatementChange>();
        var toRemove = new List<JsonObject>();
        foreach (var sid in SignerPolicySids.All)
        {
            var had = existing.TryGetValue(sid, out var old);
            var wants = desired.TryGetValue(sid, out var statement);
            if (had && wants)
            {
                var merged = statement!.MergeInto(old.Node);
                if (!JsonNode.DeepEquals(merged, old.Node))
                {
                    changes.Add(new PolicyStatementChange(sid, PolicyChangeKind.Changed, Text(old.Node), Text(merged)));
                    statements[old.Index] = merged;
                }
            }
            else if (had && OwnStatement.WithoutAwsPrincipals(old.Node) is { } kept)
            {
                // Only Principal.AWS is ours: a Service or Federated principal someone added keeps its grant.
                if (!JsonNode.DeepEquals(kept, old.Node))
                {
                    changes.Add(new PolicyStatementChange(sid, PolicyChangeKind.Changed, Text(old.Node), Text(kept)));
                    statements[old.Index] = kept;
                }
            }
            else if (had)
            {
                changes.Add(new PolicyStatementChange(sid, PolicyChangeKind.Removed, Text(old.Node), null));
                toRemove.Add(old.Node);
            }
            else if (wants)
            {
                var added = statement!.ToJson();
                changes.Add(new PolicyStatementChange(sid, PolicyChangeKind.Added, null, Text(added)));
                statements.Add(added);
            }
        }

        foreach (var node in toRemove)
        {
            statements.Remove(node);
        }

        if (changes.Count > 0)
        {
            AdministrationCheck.EnsureNotLockedOut(before, after, keyId);
            EnsureSize(after, keyId);
            EnsureNoDeletedPrincipals(after, keyId);
        }

        return new SignerPolicyPlan(before, changes.Count > 0 ? after : before, changes);
    }

    // Our statements are Allow statements naming principals and actions. One edited by hand into a Deny (or a
    // NotPrincipal/NotAction statement) means the opposite of what this module would write: rewriting it as an Allow
    // would grant what it denies, and removing it would lift the Deny. Only a person can say what it should be.
    private static void EnsurePlainAllow(string sid, JsonObject statement, string? keyId)
    {
        var effect = OwnStatement.Strings(statement["Effect"]);
        var why = effect is not ["Allow"]
            ? $"Effect {(effect.Count == 0 ? "(none)" : string.Join(", ", effect))}"
            : statement.ContainsKey("NotPrincipal") ? "NotPrincipal"
            : statement.ContainsKey("NotAction") ? "NotAction"
            : statement.ContainsKey("NotResource") ? "NotResource"
            : null;
        if (why is null)
        {
            return;
        }

        throw new KmsSignatureException("MalformedKeyPolicy", ErrorKind.InvalidData,
            $"The key policy{(keyId is null ? string.Empty : $" of {keyId}")} cannot be merged safely: its statement with Sid '{sid}' has {why}, " +
            "but this module writes only Allow statements with Principal and Action under its Sids; rewriting it would change what it " +
            "means (a Deny would become an Allow), and removing it could grant more. Nothing was changed.", keyId)
        {
            RecommendedAction = "Give that statement another Sid (it is then kept as it is, like any other statement), or delete it, with Write-KMSKeyPolicy or the AWS console; then run the command again.",
        };
    }

    // KMS shows a deleted role or user by its unique id (AROA..., AIDA...) and refuses any new policy that still names one
    // (MalformedPolicyDocumentException, "Policy contains a statement with one or more invalid principals"): say which
    // and where before the call, and how to take them out.
    private static void EnsureNoDeletedPrincipals(KeyPolicyDocument policy, string? keyId)
    {
        var found = policy.Statements.Select((s, i) => (
                Name: OwnStatement.Strings(s["Sid"]).FirstOrDefault() is { } sid ? $"'{sid}'" : $"#{i + 1} (no Sid)",
                Ids: OwnStatement.AwsPrincipals(s["Principal"]).Concat(OwnStatement.AwsPrincipals(s["NotPrincipal"])).Where(IamPrincipal.IsUniqueId).ToArray()))
            .Where(s => s.Ids.Length > 0)
            .ToArray();
        if (found.Length == 0)
        {
            return;
        }

        throw new KmsSignatureException("DeletedPrincipalInPolicy", ErrorKind.InvalidData,
            $"The key policy{(keyId is null ? string.Empty : $" of {keyId}")} names IAM principals that no longer exist (KMS shows a deleted " +
            $"role or user by its unique id): {string.Join("; ", found.Select(f => $"{string.Join(", ", f.Ids)} in statement {f.Name}"))}. " +
            "KMS refuses any key policy that still names them (MalformedPolicyDocumentException: invalid principals). Nothing was changed.", keyId)
        {
            RecommendedAction = "Take them out of KmsSignature's statements with Set-KmsSignerPolicy -SignerPrincipal <id> -Remove (or -VerifierPrincipal " +
                                "<id> -Remove), and out of other statements with Write-KMSKeyPolicy or the AWS console; then run the command again.",
        };
    }

    /// <summary>Refuses, before any call, a policy over KMS's 32 KB limit (which KMS would reject after the round trip).</summary>
    public static void EnsureSize(KeyPolicyDocument policy, string? keyId)
    {
        var bytes = Encoding.UTF8.GetByteCount(policy.ToJson());
        if (bytes > KeyPolicyDocument.MaxBytes)
        {
            throw new KmsSignatureException("PolicyTooLarge", ErrorKind.LimitsExceeded,
                $"The merged key policy{(keyId is null ? string.Empty : $" of {keyId}")} would be {bytes:N0} bytes; KMS allows at most " +
                $"{KeyPolicyDocument.MaxBytes:N0} bytes (32 KB). Nothing was changed.", keyId)
            {
                RecommendedAction = "Grant an IAM role instead of many individual principals, or remove statements that are no longer needed.",
            };
        }
    }

    // A key policy cannot say "no algorithm": a kms:Sign statement without the kms:SigningAlgorithm condition allows
    // every algorithm of the key, so emptying the list would grant more than before.
    private static KmsSignatureException LastSigningAlgorithm(IReadOnlyList<string> removed, string? keyId) =>
        new("LastSigningAlgorithm", ErrorKind.InvalidOperation,
            $"Removing {string.Join(", ", removed)} would leave the signers of {keyId ?? "the key"} without any allowed signing algorithm. " +
            "A key policy cannot express that: without a kms:SigningAlgorithm condition the signers could sign with every algorithm of the key, " +
            "so this removal would grant more, not less. Nothing was changed.", keyId)
        {
            RecommendedAction = "To stop the signers from signing, revoke them: Set-KmsSignerPolicy -SignerPrincipal <arn> -Remove. " +
                                "To move them to other algorithms, give the new list without -Remove: Set-KmsSignerPolicy -SigningAlgorithm <algorithm>.",
        };

    private static KmsSignatureException SigningAlgorithmNotRestricted(IReadOnlyList<string> removed, string? keyId) =>
        new("SigningAlgorithmNotRestricted", ErrorKind.InvalidOperation,
            $"The signers of {keyId ?? "the key"} are not restricted to any signing algorithms (no kms:SigningAlgorithm condition), so they may use " +
            $"every algorithm of the key, {string.Join(", ", removed)} included; -Remove cannot take an algorithm from a list that does not exist. Nothing was changed.", keyId)
        {
            RecommendedAction = "Give the algorithms the signers may use, without -Remove: Set-KmsSignerPolicy -SigningAlgorithm <algorithm>.",
        };

    private static (string[] Signers, string[] Verifiers, string[]? Algorithms) Validated(SignerPolicyRequest request) => (
        request.Signers.Select(p => IamPrincipal.Validate(p, request.AllowEveryone || request.Remove, request.Remove)).ToArray(),
        request.Verifiers.Select(p => IamPrincipal.Validate(p, request.AllowEveryone || request.Remove, request.Remove)).ToArray(),
        request.SigningAlgorithms?.Select(ValidateAlgorithm).ToArray());

    // Principals compare as IAM reads them (IamPrincipal.Comparer): an account's root ARN also removes, and is already
    // there as, the bare account id a hand-written policy may use. Algorithm names compare ordinally (they are normalised).
    private static List<string> Apply(IReadOnlyList<string> current, IReadOnlyList<string> given, bool remove, IEqualityComparer<string>? comparer = null)
    {
        comparer ??= IamPrincipal.Comparer;
        var result = new List<string>();
        foreach (var p in current)
        {
            if (!result.Contains(p, comparer) && !(remove && given.Contains(p, comparer)))
            {
                result.Add(p);
            }
        }

        if (!remove)
        {
            foreach (var p in given)
            {
                if (!result.Contains(p, comparer))
                {
                    result.Add(p);
                }
            }
        }

        return result;
    }

    private static string ValidateAlgorithm(string name) => SignatureAlgorithm.TryFromKmsName(name?.Trim(), out var algorithm)
        ? algorithm.KmsName
        : throw new KmsSignatureException("InvalidSigningAlgorithm", ErrorKind.InvalidArgument,
            $"'{name}' is not a KMS signing algorithm. Expected one of: {string.Join(", ", SignatureAlgorithm.All.Select(a => a.KmsName))}.", name);

    private static string Text(JsonObject statement) => statement.ToJsonString();
}

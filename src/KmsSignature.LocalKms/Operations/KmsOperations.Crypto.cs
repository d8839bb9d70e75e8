using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    private static readonly string[] MessageTypes = ["RAW", "DIGEST", "EXTERNAL_MU"];

    private void GetPublicKey(OperationContext context)
    {
        ValidateGrantTokens(context.Input);
        var (key, status) = ResolveForRead(context, "kms:GetPublicKey", allowAlias: true);
        Authorize(context, "kms:GetPublicKey", key, status);
        RequireEnabled(key, status);
        if (!key.Spec.IsAsymmetric)
        {
            throw new KmsErrorException("UnsupportedOperationException", $"{key.Arn} key usage is {key.KeyUsage} and key spec is {key.Spec.Name}; GetPublicKey is valid only for asymmetric KMS keys.");
        }

        var w = context.Output;
        w.WriteString("KeyId", key.Arn);
        w.WriteBase64String("PublicKey", key.Material.PublicKeySpki);
        w.WriteString("CustomerMasterKeySpec", key.Spec.CustomerMasterKeySpec);
        w.WriteString("KeySpec", key.Spec.Name);
        w.WriteString("KeyUsage", key.KeyUsage);
        WriteAlgorithms(w, key);
    }

    private void Sign(OperationContext context)
    {
        var (key, algorithm, messageType, message) = PrepareSignatureOperation(context, "kms:Sign");
        byte[] signature;
        try
        {
            signature = key.Material.Sign(algorithm, message, messageType != "RAW");
        }
        catch (NotSupportedException)
        {
            throw new KmsErrorException("UnsupportedOperationException", $"LocalKms does not implement MessageType {messageType} for {algorithm.Name}.");
        }

        var w = context.Output;
        w.WriteString("KeyId", key.Arn);
        w.WriteBase64String("Signature", signature);
        w.WriteString("SigningAlgorithm", algorithm.Name);
    }

    private void Verify(OperationContext context)
    {
        var signature = context.Input.RequiredBlob("Signature", 1, 6144);
        var (key, algorithm, messageType, message) = PrepareSignatureOperation(context, "kms:Verify");
        bool valid;
        try
        {
            valid = key.Material.Verify(algorithm, message, messageType != "RAW", signature);
        }
        catch (NotSupportedException)
        {
            throw new KmsErrorException("UnsupportedOperationException", $"LocalKms does not implement MessageType {messageType} for {algorithm.Name}.");
        }

        if (!valid)
        {
            throw new KmsErrorException("KMSInvalidSignatureException", string.Empty);
        }

        var w = context.Output;
        w.WriteString("KeyId", key.Arn);
        w.WriteBoolean("SignatureValid", true);
        w.WriteString("SigningAlgorithm", algorithm.Name);
    }

    /// <summary>
    /// Shared Sign/Verify checks in KMS's order: request validation, key lookup, authorization (with the
    /// kms:SigningAlgorithm and kms:MessageType condition keys), key state, key usage, algorithm, message type and length.
    /// </summary>
    private (KmsKey Key, SigningAlgorithmInfo Algorithm, string MessageType, byte[] Message) PrepareSignatureOperation(OperationContext context, string action)
    {
        var input = context.Input;
        var keyIdentifier = input.RequiredString("KeyId", 1, KeyIdMaxLength);
        var message = input.RequiredBlob("Message", 1, 4096);
        var messageType = input.Enum("MessageType", MessageTypes) ?? "RAW";
        var algorithmName = input.RequiredEnum("SigningAlgorithm", SigningAlgorithmInfo.AllNames);
        ValidateGrantTokens(input);
        var dryRun = input.Bool("DryRun") ?? false;

        var (key, status) = ResolveForRead(context, action, keyIdentifier, allowAlias: true);
        Authorize(context, action, key, status, KeyContext(context, key, status).Set("kms:SigningAlgorithm", algorithmName).Set("kms:MessageType", messageType));
        RequireEnabled(key, status);
        if (key.KeyUsage != "SIGN_VERIFY")
        {
            throw new KmsErrorException("InvalidKeyUsageException", $"{key.Arn} key usage is {key.KeyUsage} which is not valid for {action["kms:".Length..]}.");
        }

        if (!key.Spec.SigningAlgorithms.Contains(algorithmName) || SigningAlgorithmInfo.Find(algorithmName) is not { } algorithm)
        {
            throw new KmsErrorException("InvalidKeyUsageException", $"Algorithm {algorithmName} is incompatible with key spec {key.Spec.Name}.");
        }

        if (!algorithm.Accepts(messageType))
        {
            throw KmsErrorException.Validation($"MessageType {messageType} is not supported for signing algorithm {algorithmName}.");
        }

        if (messageType != "RAW" && message.Length != algorithm.DigestLength)
        {
            throw KmsErrorException.Validation(messageType == "EXTERNAL_MU"
                ? $"External mu must be 64 bytes for algorithm {algorithmName}."
                : $"Digest is invalid length for algorithm {algorithmName}.");
        }

        if (dryRun)
        {
            throw new KmsErrorException("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.", 412);
        }

        return (key, algorithm, messageType, message);
    }
}

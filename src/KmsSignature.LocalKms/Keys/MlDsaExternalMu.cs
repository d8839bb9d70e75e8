using System.Reflection;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// ML-DSA sign/verify from an external mu. BouncyCastle 2.7 exposes no public API for it, so this reaches
/// its internal engine (MLDsaParameterSet.GetEngine, MsgRepEndSignInternal / MsgRepEndVerifyInternal) by
/// reflection. If a BouncyCastle update moves those members, <see cref="IsAvailable"/> turns false and
/// EXTERNAL_MU requests get UnsupportedOperationException instead of wrong answers.
/// </summary>
internal static class MlDsaExternalMu
{
    private const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly MethodInfo? GetEngine = typeof(MLDsaParameterSet).GetMethod("GetEngine", Internal);
    private static readonly Type? EngineType = GetEngine?.ReturnType;
    private static readonly MethodInfo? EndSign = EngineType?.GetMethod("MsgRepEndSignInternal", Internal);
    private static readonly MethodInfo? EndVerify = EngineType?.GetMethod("MsgRepEndVerifyInternal", Internal);
    private static readonly PropertyInfo? SignatureSize = EngineType?.GetProperty("CryptoBytes", Internal);
    private static readonly FieldInfo?[] PrivateFields =
        new[] { "m_rho", "m_k", "m_t0", "m_s1", "m_s2" }.Select(static n => typeof(MLDsaPrivateKeyParameters).GetField(n, Internal)).ToArray();
    private static readonly FieldInfo? PublicRho = typeof(MLDsaPublicKeyParameters).GetField("m_rho", Internal);
    private static readonly FieldInfo? PublicT1 = typeof(MLDsaPublicKeyParameters).GetField("m_t1", Internal);

    public static bool IsAvailable =>
        EndSign is not null && EndVerify is not null && SignatureSize is not null && PublicRho is not null && PublicT1 is not null
        && PrivateFields.All(static f => f is not null);

    public static byte[] Sign(MLDsaParameters parameters, MLDsaPrivateKeyParameters key, byte[] mu)
    {
        var engine = GetEngine!.Invoke(parameters.ParameterSet, [null])!;
        var size = (int)SignatureSize!.GetValue(engine)!;
        var signature = new byte[size];
        var rnd = RandomNumberGenerator.GetBytes(32); // hedged signing, as FIPS 204 recommends
        var fields = PrivateFields.Select(f => f!.GetValue(key)).ToArray();
        EndSign!.Invoke(engine, [new ExternalMuDigest(mu), signature, size, fields[0], fields[1], fields[2], fields[3], fields[4], rnd]);
        return signature;
    }

    public static bool Verify(MLDsaParameters parameters, MLDsaPublicKeyParameters key, byte[] mu, byte[] signature)
    {
        var engine = GetEngine!.Invoke(parameters.ParameterSet, [null])!;
        ShakeDigest digest = new ExternalMuDigest(mu);
        return (bool)EndVerify!.Invoke(engine, [digest, signature, signature.Length, PublicRho!.GetValue(key), PublicT1!.GetValue(key)])!;
    }
}

using System.Text.Json;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Tests;

/// <summary>Files under tests/fixtures (made by openssl and node, see make-fixtures.sh), copied next to the tests.</summary>
internal static class Fixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public static string Text(string relative) => File.ReadAllText(PathOf(relative));

    public static PublicKey Key(string name) => PublicKey.Parse(Bytes($"keys/{name}.pem"), name);

    public static string Token(string file) => Text($"tokens/{file}").Trim();

    public static JsonElement Json(string relative) => JsonDocument.Parse(Text(relative)).RootElement.Clone();

    public static readonly string[] KeyNames =
        ["rsa2048", "rsa3072", "rsa4096", "p256", "p384", "p521", "secp256k1", "ed25519", "mldsa44", "mldsa65", "mldsa87"];
}

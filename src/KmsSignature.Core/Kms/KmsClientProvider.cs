using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Resolves region and credentials the way AWS.Tools users expect, and hands out one KMS client per
/// (region, endpoint, credentials), reused across calls and cmdlets for the life of the process
/// (clients are thread-safe; their connection pools are the SDK's, shared by clients with the same settings). Bounded:
/// past <see cref="MaxClients"/> the connection used least recently is forgotten, so the ones in use keep their clients
/// and what their Sign pacers learned. A forgotten client is not disposed: a pipeline in another runspace may still be
/// using it, and the garbage collector reclaims it once none is (its HttpClient stays in the SDK's process-wide cache).
/// </summary>
public sealed partial class KmsClientProvider
{
    public const int MaxClients = 32;

    // Used when a custom endpoint (LocalKms, a proxy) is given and nothing names a region: SigV4 needs one,
    // and asking the SDK's fallback chain could probe instance metadata, which a local run must not do.
    private const string EndpointDefaultRegion = "us-east-1";

    private readonly LeastRecentlyUsedCache<CacheKey, KmsConnection> clients = new(MaxClients);

    public static KmsClientProvider Shared { get; } = new();

    /// <summary>Resolves the options into a connection; throws <see cref="KmsSignatureException"/> with guidance when nothing resolves.</summary>
    public KmsConnection Connect(AwsConnectionOptions options, IOperationLog? log = null)
    {
        log ??= NullOperationLog.Instance;
        CheckEndpoint(options.EndpointUrl);
        var (credentials, source, credentialKey, credentialObject, profileRegion) = ResolveCredentials(options);
        var region = ResolveRegion(options, profileRegion);
        var cacheKey = new CacheKey(string.Join('|', region, options.EndpointUrl?.ToString() ?? "-", credentialKey), credentialObject);

        if (clients.TryGet(cacheKey, out var existing))
        {
            return existing;
        }

        // The SDK's own attempts for every call but Sign: standard mode's three, or AWS_MAX_ATTEMPTS / max_attempts as the user
        // set them, as other AWS tools do (five retries kept an unreachable endpoint's error waiting about 15 s, 31 s at worst).
        var client = new AmazonKeyManagementServiceClient(credentials, Config(options.EndpointUrl, region, maxErrorRetry: null));
        var signClient = new AmazonKeyManagementServiceClient(credentials, Config(options.EndpointUrl, region, maxErrorRetry: 0));
        var connection = new KmsConnection(client, signClient, region, options.EndpointUrl, source);
        log.Verbose(connection.Describe());
        return clients.GetOrAdd(cacheKey, connection);
    }

    // Without this, a URL without a scheme (PowerShell reads 'localhost:4566' as scheme "localhost", '127.0.0.1:4566' as a
    // relative URI) failed only at the first call, or escaped as a raw SDK exception from the client's constructor.
    private static void CheckEndpoint(Uri? endpoint)
    {
        if (endpoint is null)
        {
            return;
        }

        string? problem = !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)
            ? "is not an absolute http:// or https:// URL"
            : endpoint.UserInfo.Length > 0 ? "contains a user name or password"
            : endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 ? "has a query or fragment"
            : null;
        if (problem is null)
        {
            return;
        }

        // Never echo user info: it may hold a password.
        var shown = endpoint.IsAbsoluteUri && endpoint.UserInfo.Length > 0
            ? endpoint.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : endpoint.OriginalString;
        throw new KmsSignatureException("InvalidEndpoint", ErrorKind.InvalidArgument, $"-EndpointUrl '{shown}' {problem}.", shown)
        {
            RecommendedAction = "Give the whole URL, e.g. https://kms.eu-west-1.amazonaws.com or http://127.0.0.1:4566/ for LocalKms.",
        };
    }

    private static AmazonKeyManagementServiceConfig Config(Uri? endpointUrl, string region, int? maxErrorRetry)
    {
        var config = new AmazonKeyManagementServiceConfig
        {
            // Standard, not adaptive: adaptive mode's client-side rate limiter (CUBIC) is per client, cuts to 70 % at
            // every throttle and takes about ten seconds to climb back, which held bulk signing at 200–400 Sign/s
            // against a 1,000/s quota. Sign is paced by RequestPacer instead; other operations are rare.
            RetryMode = RequestRetryMode.Standard,
            // The SDK's retry quota (meant for a failing service) would turn throttling into fail-fast errors for
            // every caller sharing this client.
            ThrottleRetries = false,
        };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
            // The SDK resends a call whose pooled connection was reset outside MaxErrorRetry; the reset may come after KMS acted
            // on it, so a CreateKey sent again made a second key. Calls made through this client retry on their own.
            config.MaxStaleConnectionRetries = 0;
        }

        if (endpointUrl is not null)
        {
            config.ServiceURL = endpointUrl.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    private static (AWSCredentials Credentials, string Source, string CacheKey, object? CacheKeyObject, string? ProfileRegion) ResolveCredentials(
        AwsConnectionOptions options)
    {
        if (options.Credential is { } explicitCredential)
        {
            var (key, keyObject) = ObjectKey(explicitCredential);
            var source = DescribeObject(explicitCredential, "-Credential");
            // An AWSCredentials object may fetch or refresh (SSO, assume-role) inside the first call, as a profile's do.
            return (new SourcedCredentials(CredentialBridge.FromObject(explicitCredential), source,
                    "Refresh the credentials the object was made from (for SSO, 'aws sso login'; with AWS.Tools, Get-AWSCredential again), " +
                    "or pass other credentials."),
                source, key, keyObject, null);
        }

        // -ProfileLocation alone names that file's default profile (as in AWS.Tools); it is explicit, so it beats the shell default.
        var profileName = !string.IsNullOrEmpty(options.ProfileName) ? options.ProfileName
            : !string.IsNullOrEmpty(options.ProfileLocation) ? "default"
            : null;
        if (profileName is not null)
        {
            RequireProfileFile(options.ProfileLocation);
            var chain = string.IsNullOrEmpty(options.ProfileLocation)
                ? new CredentialProfileStoreChain()
                : new CredentialProfileStoreChain(options.ProfileLocation);
            var profile = ReadingProfiles(() => chain.TryGetProfile(profileName, out var found) ? found : null, options.ProfileLocation);
            if (ReadingProfiles(() => chain.TryGetAWSCredentials(profileName, out var found) ? found : null, options.ProfileLocation)
                is not { } profileCredentials)
            {
                // The SDK answers "no credentials" both for a missing profile and for one it cannot make credentials from.
                if (profile is not null)
                {
                    throw new KmsSignatureException("ProfileHasNoCredentials", ErrorKind.AuthenticationError,
                        $"AWS profile '{profileName}'" + (string.IsNullOrEmpty(options.ProfileLocation) ? string.Empty : $" in '{options.ProfileLocation}'") +
                        " exists but holds no credentials the AWS SDK can use (a region or other settings alone are not credentials).",
                        profileName)
                    {
                        RecommendedAction = "Give the profile aws_access_key_id and aws_secret_access_key, role_arn with source_profile or " +
                                            "credential_source, SSO settings (sso_session or sso_start_url), or credential_process; or choose another profile.",
                    };
                }

                throw new KmsSignatureException("ProfileNotFound", ErrorKind.ObjectNotFound,
                    $"No AWS profile named '{profileName}' was found" +
                    (string.IsNullOrEmpty(options.ProfileLocation) ? " in the shared credentials and config files." : $" in '{options.ProfileLocation}'."),
                    profileName)
                {
                    RecommendedAction = "Check the name with 'aws configure list-profiles', or pass -ProfileLocation for another credentials file.",
                };
            }

            var advice = profile?.Options is { SsoStartUrl: not null } or { SsoSession: not null }
                ? $"Sign in with 'aws sso login --profile {profileName}', then try again."
                : $"Check profile '{profileName}': for assume-role, its source credentials and that AWS STS can be reached; " +
                  "for credential_process, that the command runs and prints credentials.";
            return (new SourcedCredentials(profileCredentials, $"profile '{profileName}'", advice), $"profile '{profileName}'",
                $"profile:{options.ProfileLocation}:{profileName}:{ProfileKey(profile)}", null, profile?.Region?.SystemName);
        }

        if (options.ShellDefaultCredential is { } shellCredential)
        {
            var (key, keyObject) = ObjectKey(shellCredential);
            return (new SourcedCredentials(CredentialBridge.FromObject(shellCredential, CredentialBridge.StoredCredentialsOrigin),
                    DescribeObject(shellCredential, CredentialBridge.StoredCredentialsOrigin),
                    "Refresh the credentials it holds (for SSO, 'aws sso login'), set others with AWS.Tools' Set-AWSCredential, " +
                    "or pass -Credential or -ProfileName."),
                "the shell's $StoredAWSCredentials", key, keyObject, null);
        }

        try
        {
            // The SDK hands back the object it resolved first until an AWS_* credential variable changes, so keying on that
            // object reuses one client while the environment stays put, and a changed one gets a client of its own.
            var resolved = ReadingProfiles(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null), null);
            return (new SourcedCredentials(resolved, "the SDK's default credential chain",
                    "Check the profile AWS_PROFILE names (or the default one), or the container or instance role."),
                "the SDK's default credential chain", "default", resolved, null);
        }
        catch (AmazonClientException ex)
        {
            throw new KmsSignatureException("NoCredentials", ErrorKind.AuthenticationError,
                "No AWS credentials were found: none were given, the session has no $StoredAWSCredentials, and the SDK's " +
                "default chain (environment variables, shared credentials and config files, SSO, container and instance roles) found none.",
                null, ex)
            {
                RecommendedAction = "Pass -ProfileName or -Credential, run Set-AWSCredential (AWS.Tools), set AWS_ACCESS_KEY_ID and " +
                                    "AWS_SECRET_ACCESS_KEY, or configure a profile with 'aws configure'.",
            };
        }
    }

    // The SDK reads a -ProfileLocation that does not exist as an empty credentials file, beside the "config" file of the same
    // folder: a mistyped path then read as "no such profile", or as "the profile exists in <missing file> but holds no credentials".
    // A symbolic link is left to the SDK's reading, which says what is wrong with it (ProfileFileUnreadable).
    private static void RequireProfileFile(string? location)
    {
        if (string.IsNullOrEmpty(location) || Path.Exists(location) || new FileInfo(location).LinkTarget is not null)
        {
            return;
        }

        throw new KmsSignatureException("ProfileFileNotFound", ErrorKind.ObjectNotFound,
            $"The credentials file '{location}' given with -ProfileLocation does not exist.", location)
        {
            RecommendedAction = "Check the path, or leave -ProfileLocation out to use the shared credentials and config files (~/.aws).",
        };
    }

    private static string ResolveRegion(AwsConnectionOptions options, string? profileRegion)
    {
        // A blank -Region is a value given, as a blank -ProfileName is: not a reason to fall back to another Region unseen.
        if (options.Region is { } given && string.IsNullOrWhiteSpace(given))
        {
            throw new KmsSignatureException("InvalidRegion", ErrorKind.InvalidArgument,
                $"'{given}' is not an AWS Region name such as us-east-1 or eu-central-1.", given);
        }

        // Read afresh on every connection: the SDK's FallbackRegionFactory caches the first Region it finds for the life of
        // the process (a changed $env:AWS_REGION went unseen) and does not read AWS_DEFAULT_REGION, which the AWS CLI sets.
        // An AWS endpoint that names its Region (regional, FIPS, VPC) accepts signatures for that Region only.
        var region = FirstNonEmpty(options.Region, EndpointRegion(options.EndpointUrl), profileRegion, options.ShellDefaultRegion,
            Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"),
            SharedConfigRegion());

        // With a custom endpoint (LocalKms, a proxy) SigV4 still needs a Region, and a local run must not probe instance metadata.
        Exception? instanceMetadataFailure = null;
        if (region is null)
        {
            region = options.EndpointUrl is not null ? EndpointDefaultRegion : InstanceMetadataRegion(out instanceMetadataFailure);
        }

        if (region is null)
        {
            throw new KmsSignatureException("NoRegion", ErrorKind.InvalidArgument,
                "No AWS Region was given and none is configured.", null, instanceMetadataFailure)
            {
                RecommendedAction = "Pass -Region, run Set-DefaultAWSRegion (AWS.Tools), set AWS_REGION, or set a region in your AWS profile.",
            };
        }

        if (!RegionPattern().IsMatch(region))
        {
            throw new KmsSignatureException("InvalidRegion", ErrorKind.InvalidArgument,
                $"'{region}' is not an AWS Region name such as us-east-1 or eu-central-1.", region);
        }

        return region;
    }

    // Off EC2 (or with AWS_EC2_METADATA_DISABLED) InstanceProfileAWSRegion throws rather than answering null; that is the
    // ordinary "no Region configured" case, which must be NoRegion, not a raw InvalidOperationException from the SDK.
    private static string? InstanceMetadataRegion(out Exception? failure)
    {
        failure = null;
        try
        {
            return new InstanceProfileAWSRegion().Region?.SystemName;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            return null;
        }
    }

    // kms.eu-west-1.amazonaws.com, kms-fips.us-gov-west-1.amazonaws.com, vpce-….kms.eu-west-1.vpce.amazonaws.com,
    // kms.cn-north-1.amazonaws.com.cn, kms.eu-west-1.api.aws (dual-stack): the first label that is a Region name.
    private static string? EndpointRegion(Uri? endpoint)
    {
        var host = endpoint?.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host is null || !(host.EndsWith(".amazonaws.com", StringComparison.Ordinal)
                              || host.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal)
                              || host.EndsWith(".api.aws", StringComparison.Ordinal)))
        {
            return null;
        }

        return host.Split('.').FirstOrDefault(label => RegionPattern().IsMatch(label));
    }

    // The Region of AWS_PROFILE's profile (else "default") in the shared config and credentials files.
    private static string? SharedConfigRegion()
    {
        var name = FirstNonEmpty(Environment.GetEnvironmentVariable("AWS_PROFILE")) ?? "default";
        return ReadingProfiles(() => new CredentialProfileStoreChain().TryGetProfile(name, out var profile) ? profile.Region?.SystemName : null, null);
    }

    // The SDK reads the shared files as it goes and throws InvalidDataException for a line that is not a section, property or
    // comment; raw, that escaped every cmdlet without an error id. Its message quotes the whole line, which may be a secret
    // key written without its '=', so only the line number and the file are kept, and not the SDK's exception.
    private static T ReadingProfiles<T>(Func<T> read, string? location)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException ex)
        {
            var match = ProfileFileErrorPattern().Match(ex.Message);
            var file = match.Success ? match.Groups["file"].Value : location;
            var line = match.Success ? $": line {match.Groups["line"].Value} is not a [section], a 'name = value' property or a comment" : ".";
            throw new KmsSignatureException("InvalidProfileFile", ErrorKind.InvalidData,
                $"The AWS shared credentials or config file{(file is null ? string.Empty : $" '{file}'")} cannot be read{line}", file)
            {
                RecommendedAction = "Fix or remove that line (every property is 'name = value' under a [profile] section), or pass -ProfileLocation for another file.",
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A loop of symbolic links, a directory or a file without read permission: the SDK's own exception escaped raw.
            throw new KmsSignatureException("ProfileFileUnreadable", ErrorKind.ReadError,
                $"The AWS shared credentials or config file{(location is null ? string.Empty : $" '{location}'")} cannot be read: {ex.Message}", location, ex)
            {
                RecommendedAction = "Check the file named by -ProfileLocation (or AWS_SHARED_CREDENTIALS_FILE), or pass another one.",
            };
        }
    }

    [GeneratedRegex(@"^Line (?<line>[0-9]+):.* in file (?<file>.+) does not contain a section", RegexOptions.Singleline)]
    private static partial Regex ProfileFileErrorPattern();

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    // The cache key must tell credentials apart without keeping a readable secret in it. Objects whose secrets cannot be
    // read up front (refreshing, AWS.Tools' own) are told apart by reference: their identity hash codes are not unique.
    private static (string Key, object? KeyObject) ObjectKey(object credential) => credential switch
    {
        AwsKeyCredential key => ("key:" + key.AccessKeyId + ":" + Convert.ToHexString(
            SHA256.HashData(Encoding.UTF8.GetBytes(key.SecretAccessKey + "\n" + key.SessionToken)))[..16], null),
        _ => ("object", credential),
    };

    // The profile is read again at every call; a profile edited since (a fixed secret, another role) must get a new client
    // rather than the one cached for its name, which kept the old keys until the process ended.
    private static string ProfileKey(CredentialProfile? profile)
    {
        if (profile is null)
        {
            return "-";
        }

        var text = new StringBuilder();
        foreach (var property in typeof(CredentialProfileOptions).GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.Append(property.Name).Append('=').Append(property.GetValue(profile.Options)).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static string DescribeObject(object credential, string origin) => credential switch
    {
        AwsKeyCredential key => $"{origin} ({key})",
        _ => $"{origin} ({credential.GetType().Name})",
    };

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    /// <summary>
    /// Region, endpoint and credentials as text, plus the credential object itself when only its identity tells it apart.
    /// Holding the object keeps it alive while cached, so no later object can pass for it.
    /// </summary>
    private readonly struct CacheKey(string text, object? credential) : IEquatable<CacheKey>
    {
        private readonly string text = text;
        private readonly object? credential = credential;

        public bool Equals(CacheKey other) => string.Equals(text, other.text, StringComparison.Ordinal) && ReferenceEquals(credential, other.credential);

        public override bool Equals(object? obj) => obj is CacheKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(text), RuntimeHelpers.GetHashCode(credential));
    }
}

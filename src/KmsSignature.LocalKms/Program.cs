using System.Globalization;
using KmsSignature.LocalKms;

// Standalone LocalKms: dotnet run --project src/KmsSignature.LocalKms -- --port 4566 [--data-dir DIR] [--region R] [--account-id N]
var port = 4566;
string? dataDirectory = null;
var region = "us-east-1";
var accountId = "111122223333";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--port" or "--data-dir" or "--region" or "--account-id" && i + 1 == args.Length)
    {
        Console.Error.WriteLine($"{args[i]} needs a value; see --help.");
        return 2;
    }

    string Next() => args[++i];
    switch (args[i])
    {
        case "--port":
            if (!int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                Console.Error.WriteLine("--port needs a number from 0 to 65535 (0 = any free port).");
                return 2;
            }

            break;
        case "--data-dir":
            dataDirectory = Next();
            if (dataDirectory.Length == 0)
            {
                Console.Error.WriteLine("--data-dir needs a directory path.");
                return 2;
            }

            break;
        case "--region":
            region = Next();
            if (region.Length == 0 || !region.All(static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                Console.Error.WriteLine($"--region needs a Region name such as us-east-1, not '{region}'.");
                return 2;
            }

            break;
        case "--account-id":
            accountId = Next();
            if (accountId.Length != 12 || !accountId.All(char.IsAsciiDigit))
            {
                Console.Error.WriteLine($"--account-id needs 12 digits, not '{accountId}'.");
                return 2;
            }

            break;
        case "-h" or "--help" or "-?":
            Console.WriteLine("LocalKms: a local AWS KMS (JSON 1.1 wire protocol) for tests and runbook rehearsal.");
            Console.WriteLine("Usage: KmsSignature.LocalKms [--port 4566] [--data-dir DIR] [--region us-east-1] [--account-id 111122223333]");
            Console.WriteLine("Without --data-dir all state is in memory. With it, PRIVATE KEYS ARE STORED IN THE CLEAR. Testing only.");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}; see --help.");
            return 2;
    }
}

// Before the server starts: its host's console lifetime takes SIGINT/SIGTERM from then on, and a signal that came
// before these handlers stopped the server while this program waited for them forever.
var stopped = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopped.TrySetResult();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopped.TrySetResult();
});

LocalKmsServer started;
try
{
    started = await LocalKmsServer.StartAsync(new LocalKmsOptions
    {
        Port = port,
        DataDirectory = dataDirectory,
        Region = region,
        AccountId = accountId,
    });
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
{
    // What a user can fix (a port in use, a data directory that is a file or not writable, an unreadable state
    // file) is one line on stderr and exit code 1, not an unhandled exception that aborts the process.
    Console.Error.WriteLine($"LocalKms could not start: {ex.Message}");
    if (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
    {
        Console.Error.WriteLine("Another process (another LocalKms?) uses that port: stop it, or pass another --port (0 = any free port).");
    }

    return 1;
}

await using var server = started;

Console.WriteLine($"LocalKms listening on {server.Endpoint} (Region {server.Region}, account {server.AccountId})");
Console.WriteLine(dataDirectory is null
    ? "State: in memory (lost on exit)."
    : $"State: {Path.GetFullPath(dataDirectory)} -- PRIVATE KEYS ARE STORED THERE IN THE CLEAR. Testing only.");
Console.WriteLine("Principals (test credentials, not secrets):");
foreach (var principal in server.Principals)
{
    Console.WriteLine($"  {principal.Arn}");
    Console.WriteLine($"    AccessKeyId={principal.AccessKeyId} SecretAccessKey={principal.SecretAccessKey}{(principal.IdentityPolicyJson is null ? string.Empty : " (identity policy: kms:* on *)")}");
}

Console.WriteLine($"AWS CLI: aws kms list-keys --endpoint-url {server.Endpoint} --region {server.Region}");
Console.WriteLine("Press Ctrl+C to stop.");

await stopped.Task;
Console.WriteLine("LocalKms stopped.");
return 0;

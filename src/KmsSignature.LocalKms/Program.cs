using System.Globalization;
using KmsSignature.LocalKms;

// Standalone LocalKms: dotnet run --project src/KmsSignature.LocalKms -- --port 4566 [--data-dir DIR] [--region R] [--account-id N]
var port = 4566;
string? dataDirectory = null;
var region = "us-east-1";
var accountId = "111122223333";
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port":
            if (!int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                Console.Error.WriteLine("--port needs a number from 0 to 65535 (0 = any free port).");
                return 2;
            }

            break;
        case "--data-dir": dataDirectory = Next(); break;
        case "--region": region = Next(); break;
        case "--account-id": accountId = Next(); break;
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

await using var server = await LocalKmsServer.StartAsync(new LocalKmsOptions
{
    Port = port,
    DataDirectory = dataDirectory,
    Region = region,
    AccountId = accountId,
});

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
await stopped.Task;
Console.WriteLine("LocalKms stopped.");
return 0;

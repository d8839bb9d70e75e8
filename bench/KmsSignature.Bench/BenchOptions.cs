namespace KmsSignature.Bench;

internal sealed class BenchOptions
{
    public bool Quick { get; private set; }

    public HashSet<string>? Only { get; private set; }

    public string? Mode { get; private set; }

    public int Count { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--only":
                    options.Only = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)];
                    break;
                case "--mode":
                    options.Mode = args[++i];
                    break;
                case "--count":
                    options.Count = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Use --quick, --only verify,cmdlet,files,memory,signing,import.");
            }
        }

        return options;
    }
}

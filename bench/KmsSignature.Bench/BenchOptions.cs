namespace KmsSignature.Bench;

internal sealed class BenchOptions
{
    public bool Quick { get; private set; }

    public HashSet<string>? Only { get; private set; }

    public string? Mode { get; private set; }

    public int Count { get; private set; }

    /// <summary>Set in the child process that measures one section.</summary>
    public string? Section { get; private set; }

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
                    if (options.Only.FirstOrDefault(s => !Rows.Sections.Contains(s)) is { } unknown)
                    {
                        throw new ArgumentException($"Unknown section '{unknown}'. Sections: {string.Join(",", Rows.Sections)}.");
                    }

                    break;
                case "--mode":
                    options.Mode = args[++i];
                    break;
                case "--section":
                    options.Section = args[++i];
                    break;
                case "--count":
                    options.Count = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Use --quick, --only {string.Join(",", Rows.Sections)}.");
            }
        }

        return options;
    }
}

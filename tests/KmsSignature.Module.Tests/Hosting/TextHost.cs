using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace KmsSignature.Module.Tests.Hosting;

/// <summary>
/// A console of a given width that keeps what is written to it: <c>$x | Out-Default</c> then shows the text a user's
/// console would show, through the module's format views (the minimal host has no Format-Table or Out-String).
/// </summary>
public sealed class TextHost(int width) : PSHost
{
    private readonly TextUserInterface ui = new(width);

    public string Text => ui.Text.ToString();

    /// <summary>Lines written to the host's verbose output (not the verbose stream a hosted PowerShell collects).</summary>
    public IReadOnlyList<string> VerboseLines => ui.VerboseLines.ToArray();

    /// <summary>Answers prompts such as -Confirm's (caption, message, choices → chosen index); without it a prompt fails the test.</summary>
    public Func<string, string, System.Collections.ObjectModel.Collection<ChoiceDescription>, int>? Choose
    {
        get => ui.Choose;
        set => ui.Choose = value;
    }

    public override string Name => "KmsSignatureTextHost";

    public override Version Version { get; } = new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override void SetShouldExit(int exitCode) { }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication() { }

    public override void NotifyEndApplication() { }

    private sealed class TextUserInterface(int width) : PSHostUserInterface
    {
        public StringBuilder Text { get; } = new();

        public Func<string, string, System.Collections.ObjectModel.Collection<ChoiceDescription>, int>? Choose { get; set; }

        public override PSHostRawUserInterface RawUI { get; } = new TextRawUserInterface(width);

        public override void Write(string value) => Text.Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Text.Append(value);

        public override void WriteLine(string value) => Text.Append(value).Append('\n');

        public override void WriteErrorLine(string value) => Text.Append(value).Append('\n');

        public override void WriteDebugLine(string message) { }

        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        public System.Collections.Concurrent.ConcurrentQueue<string> VerboseLines { get; } = new();

        public override void WriteVerboseLine(string message) => VerboseLines.Enqueue(message);

        public override void WriteWarningLine(string message) { }

        public override string ReadLine() => throw new NotSupportedException();

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException();

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            Choose is { } choose ? choose(caption, message, choices) : throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    }

    private sealed class TextRawUserInterface(int width) : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; }

        public override Size BufferSize { get; set; } = new(width, 9999);

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override ConsoleColor ForegroundColor { get; set; }

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(width, 9999);

        public override Size MaxWindowSize => new(width, 9999);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get; set; } = new(width, 50);

        public override string WindowTitle { get; set; } = string.Empty;

        public override void FlushInputBuffer() { }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
            throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}

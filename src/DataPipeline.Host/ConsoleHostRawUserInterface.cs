using System.Management.Automation.Host;

namespace DataPipeline.Host;

/// <summary>
/// Console geometry for the formatter. Getters never throw: with output redirected (CI, cron) there may
/// be no console at all, and Out-Default asks for the width on every table.
/// </summary>
internal sealed class ConsoleHostRawUserInterface : PSHostRawUserInterface
{
    private static readonly Size DefaultSize = new(120, 50);

    private string _windowTitle = "dpsh";

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override Size BufferSize
    {
        get => TryGetSize(() => new Size(Console.BufferWidth, Console.BufferHeight));
        set => throw new NotSupportedException("dpsh cannot resize the console buffer.");
    }

    public override Size WindowSize
    {
        get => TryGetSize(() => new Size(Console.WindowWidth, Console.WindowHeight));
        set => throw new NotSupportedException("dpsh cannot resize the console window.");
    }

    public override Size MaxWindowSize => WindowSize;

    public override Size MaxPhysicalWindowSize => WindowSize;

    public override Coordinates CursorPosition
    {
        get
        {
            try
            {
                var (left, top) = Console.GetCursorPosition();
                return new Coordinates(left, top);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
            {
                return new Coordinates(0, 0);
            }
        }
        set => Console.SetCursorPosition(value.X, value.Y);
    }

    public override Coordinates WindowPosition
    {
        get => new(0, 0);
        set => throw new NotSupportedException("dpsh cannot move the console window.");
    }

    public override int CursorSize { get; set; } = 25;

    public override bool KeyAvailable
    {
        get
        {
            try
            {
                return Console.KeyAvailable;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    public override string WindowTitle
    {
        get => _windowTitle;
        set => _windowTitle = value;
    }

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        var key = Console.ReadKey(intercept: options.HasFlag(ReadKeyOptions.NoEcho));
        return new KeyInfo((int)key.Key, key.KeyChar, ToControlKeyStates(key.Modifiers), keyDown: true);
    }

    public override void FlushInputBuffer()
    {
        while (KeyAvailable)
        {
            Console.ReadKey(intercept: true);
        }
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new NotSupportedException("dpsh cannot read the console buffer.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new NotSupportedException("dpsh cannot scroll the console buffer.");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new NotSupportedException("dpsh cannot write the console buffer.");

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) =>
        throw new NotSupportedException("dpsh cannot write the console buffer.");

    private static Size TryGetSize(Func<Size> read)
    {
        try
        {
            var size = read();
            return size.Width > 0 && size.Height > 0 ? size : DefaultSize;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            return DefaultSize;
        }
    }

    private static ControlKeyStates ToControlKeyStates(ConsoleModifiers modifiers)
    {
        var states = (ControlKeyStates)0;
        if (modifiers.HasFlag(ConsoleModifiers.Alt))
        {
            states |= ControlKeyStates.LeftAltPressed;
        }

        if (modifiers.HasFlag(ConsoleModifiers.Control))
        {
            states |= ControlKeyStates.LeftCtrlPressed;
        }

        if (modifiers.HasFlag(ConsoleModifiers.Shift))
        {
            states |= ControlKeyStates.ShiftPressed;
        }

        return states;
    }
}

using PdfSharp.Fonts;

namespace Checkout.Steps.Invoices;

/// <summary>
/// Gives PDFsharp a TrueType font on any OS: PDFsharp's core build has no access to system fonts off Windows, so the first
/// regular/bold pair found among well-known locations (DejaVu Sans and Liberation Sans on Linux, Arial and Segoe UI on
/// Windows, Arial on macOS) serves every family the invoice asks for. Installed once per process, thread-safely.
/// </summary>
internal sealed class InvoiceFontResolver : IFontResolver
{
    /// <summary>The family name the invoice asks for; any other name resolves to the same faces.</summary>
    public const string FamilyName = "Invoice";

    private const string RegularFace = "Invoice#Regular";
    private const string BoldFace = "Invoice#Bold";
    private static readonly Lock Gate = new();
    private static InvoiceFontResolver? _installed;

    private readonly Lazy<byte[]> _regular;
    private readonly Lazy<byte[]> _bold;

    private InvoiceFontResolver(string regular, string bold)
    {
        RegularPath = regular;
        BoldPath = bold;
        _regular = new Lazy<byte[]>(() => File.ReadAllBytes(regular));
        _bold = new Lazy<byte[]>(() => File.ReadAllBytes(bold));
    }

    /// <summary>The regular face in use.</summary>
    public string RegularPath { get; }

    /// <summary>The bold face in use (the regular one if no bold face was found next to it).</summary>
    public string BoldPath { get; }

    /// <summary>
    /// Installs the resolver as <see cref="GlobalFontSettings.FontResolver"/> unless the application set its own; safe to
    /// call from any thread, any number of times (PDFsharp wants the same instance each time).
    /// </summary>
    /// <exception cref="InvalidOperationException">No TrueType font was found; the message lists where it looked.</exception>
    public static void EnsureInstalled()
    {
        if (Volatile.Read(ref _installed) is not null)
        {
            return;
        }

        lock (Gate)
        {
            if (_installed is not null)
            {
                return;
            }

            var resolver = Find();
            if (GlobalFontSettings.FontResolver is null)
            {
                GlobalFontSettings.FontResolver = resolver;
            }

            Volatile.Write(ref _installed, resolver);
        }
    }

    /// <summary>Finds the first font pair among <see cref="Candidates"/>.</summary>
    public static InvoiceFontResolver Find()
    {
        var candidates = Candidates().ToList();
        foreach (var (regular, bold) in candidates)
        {
            if (File.Exists(regular))
            {
                return new InvoiceFontResolver(regular, File.Exists(bold) ? bold : regular);
            }
        }

        throw new InvalidOperationException(
            "Invoices need a TrueType font and none was found. Looked for: " + string.Join(", ", candidates.Select(c => c.Regular))
            + ". On Debian/Ubuntu install fonts-dejavu-core (apt-get install fonts-dejavu-core); in a container image add that package or copy a .ttf to one of these paths.");
    }

    /// <summary>Regular and bold font files to try, in order.</summary>
    public static IEnumerable<(string Regular, string Bold)> Candidates()
    {
        string[] linux = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu-sans-fonts", "/usr/local/share/fonts"];
        foreach (var folder in linux)
        {
            yield return (Path.Combine(folder, "DejaVuSans.ttf"), Path.Combine(folder, "DejaVuSans-Bold.ttf"));
        }

        yield return ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf");
        yield return ("/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf", "/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf");

        var windows = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.Windows) is { Length: > 0 } w ? w : @"C:\Windows", "Fonts");
        yield return (Path.Combine(windows, "arial.ttf"), Path.Combine(windows, "arialbd.ttf"));
        yield return (Path.Combine(windows, "segoeui.ttf"), Path.Combine(windows, "segoeuib.ttf"));

        yield return ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf");
        yield return ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf");
    }

    /// <inheritdoc />
    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
        => new(bold ? BoldFace : RegularFace, false, italic);

    /// <inheritdoc />
    public byte[]? GetFont(string faceName) => faceName == BoldFace ? _bold.Value : _regular.Value;
}

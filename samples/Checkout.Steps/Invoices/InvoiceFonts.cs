namespace Checkout.Steps.Invoices;

/// <summary>The TrueType font the invoices are drawn with.</summary>
public static class InvoiceFonts
{
    /// <summary>
    /// The regular font file invoices will use: the first found among DejaVu Sans and Liberation Sans (Linux), Arial and
    /// Segoe UI (Windows) and Arial (macOS). For a readiness check; the handler installs the font itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">None was found; the message lists every path tried.</exception>
    public static string Locate() => InvoiceFontResolver.Find().RegularPath;
}

using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Sagas.Inspector.Tests.Harness;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c>, driven through <c>chromium-driver</c>; <c>eng/test.sh</c> installs
/// both). <c>SAGAS_TEST_CHROMIUM</c> and <c>SAGAS_TEST_CHROMEDRIVER</c> name other binaries.
/// </summary>
internal sealed class Browser : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Browser(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        var chromium = Environment.GetEnvironmentVariable("SAGAS_TEST_CHROMIUM") ?? "/usr/bin/chromium";
        var chromedriver = Environment.GetEnvironmentVariable("SAGAS_TEST_CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        if (!File.Exists(chromium) || !File.Exists(chromedriver))
        {
            throw new InvalidOperationException($"The page tests need Chromium ({chromium}) and its driver ({chromedriver}): apt-get install -y chromium chromium-driver (eng/test.sh does).");
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100");
        var driver = new ChromeDriver(service, options, Patience);
        return new Browser(driver);
    }

    public void Open(Uri address) => Driver.Navigate().GoToUrl(address);

    public IWebElement Find(string css) => Until(() => Driver.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed), $"an element {css}");

    public IReadOnlyList<IWebElement> All(string css) => Driver.FindElements(By.CssSelector(css));

    /// <summary>
    /// Clicks the first displayed element <paramref name="css"/> selects, finding it again when the page redrew it
    /// between the finding and the click (a list that reloads after a filter was chosen).
    /// </summary>
    public void Click(string css, string what)
        => Until(
            () =>
            {
                var element = Driver.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed);
                element?.Click();
                return element is not null;
            },
            what);

    /// <summary>Waits for the page to show what <paramref name="probe"/> looks for (non-null, or true).</summary>
    public T Until<T>(Func<T?> probe, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var found = probe();
                if (found is not null && found is not false)
                {
                    return found;
                }
            }
            catch (WebDriverException ex)
            {
                last = ex; // the element was redrawn under us: look again
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"The page did not show {what} within {Patience.TotalSeconds} s. Status line: '{Status()}'.", last);
    }

    public string Status() => Driver.FindElements(By.Id("status")).FirstOrDefault()?.Text ?? string.Empty;

    /// <summary>Saves the whole page, not only what the window shows (for the README and for a failed run).</summary>
    public void Screenshot(string path)
    {
        var size = Driver.Manage().Window.Size;
        var height = Convert.ToInt32(Driver.ExecuteScript("return document.documentElement.scrollHeight;"), System.Globalization.CultureInfo.InvariantCulture);
        Driver.Manage().Window.Size = new System.Drawing.Size(size.Width, Math.Max(size.Height, height + 120));
        Driver.GetScreenshot().SaveAsFile(path);
        Driver.Manage().Window.Size = size;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}

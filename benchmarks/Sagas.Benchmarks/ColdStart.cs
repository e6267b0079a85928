using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Sagas.Benchmarks;

/// <summary>
/// Cold start of an HTTP step host (by default samples/Checkout.FunctionHost; <c>--host</c> names another's
/// <c>.dll</c>, or its native executable when published with Native AOT): from <see cref="Process.Start()"/> of
/// <c>dotnet Checkout.FunctionHost.dll</c> to the first 200 answer with a reply to a GenerateInvoice CloudEvent posted to
/// <c>/steps</c> (polled every 5 ms until the port accepts), so it includes runtime start, ASP.NET Core start, the first
/// request's JIT and the first invoice PDF (font loading included). Each run is a fresh process.
/// </summary>
internal static class ColdStart
{
    public static async Task RunAsync(int runs, string? hostPath, bool json)
    {
        var assembly = hostPath ?? DefaultHostPath();
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException("Build the function host first: dotnet build samples/Checkout.FunctionHost -c Release (or pass --host PATH/Checkout.FunctionHost.dll).", assembly);
        }

        var output = Path.Combine(Path.GetTempPath(), "sagas-cold-start", Guid.NewGuid().ToString("N"));
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(30) };
        var samples = new List<double>();
        try
        {
            await MeasureAsync(http, assembly, output); // warm the OS file cache once; not counted
            for (var i = 0; i < runs; i++)
            {
                samples.Add(await MeasureAsync(http, assembly, output));
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }

        samples.Sort();
        var result = new
        {
            runs,
            host = assembly,
            p50Ms = Math.Round(Percentile(samples, 0.50), 1),
            minMs = Math.Round(samples[0], 1),
            maxMs = Math.Round(samples[^1], 1),
            samplesMs = samples.Select(s => Math.Round(s, 1)).ToArray(),
        };
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        }
        else
        {
            Console.WriteLine($"cold start of {Path.GetFileName(assembly)}, process start to first handled event (GenerateInvoice), {runs} runs");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  p50 {result.p50Ms} ms, min {result.minMs} ms, max {result.maxMs} ms"));
            Console.WriteLine($"  samples (ms): {string.Join(", ", result.samplesMs.Select(s => s.ToString(CultureInfo.InvariantCulture)))}");
        }
    }

    private static async Task<double> MeasureAsync(HttpClient http, string assembly, string output)
    {
        var port = FreePort();
        var native = !assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(native ? assembly : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(assembly)! };
        if (!native)
        {
            start.ArgumentList.Add(assembly);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Checkout__OutputDirectory"] = Path.Combine(output, "invoices");
        start.Environment["Checkout__PickupDirectory"] = Path.Combine(output, "mail");
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var orderId = Guid.NewGuid();
        var body = $$"""{"orderId":"{{orderId}}","customerId":"c-1","lines":[{"sku":"SKU-BOOK","quantity":2,"unitPrice":12.5}],"total":25.0}""";
        var endpoint = new Uri($"http://127.0.0.1:{port}/steps");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The function host exited with code {process.ExitCode} before answering.");
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("The function host did not answer within 60 s.");
                }

                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    request.Headers.Add("ce-specversion", "1.0");
                    request.Headers.Add("ce-id", orderId.ToString());
                    request.Headers.Add("ce-source", "/benchmarks/cold-start");
                    request.Headers.Add("ce-type", "com.example.checkout.generate-invoice.v1");
                    request.Headers.Add("ce-subject", orderId.ToString());
                    request.Headers.Add("ce-sagastep", "GenerateInvoice");
                    request.Headers.Add("ce-sagaattempt", "1");
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("ce-type", out var type) && type.Single() == "dev.sagas.step.completed.v1")
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }

                    throw new InvalidOperationException($"The function host answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(5); // not listening yet
                }
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DefaultHostPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sagas.sln")))
            {
                return Path.Combine(dir.FullName, "samples", "Checkout.FunctionHost", "bin", "Release", "net10.0", "Checkout.FunctionHost.dll");
            }
        }

        throw new InvalidOperationException("Sagas.sln not found above the benchmark: pass --host PATH/Checkout.FunctionHost.dll.");
    }

    private static double Percentile(List<double> sorted, double p) => Percentiles.Of(sorted, p);
}

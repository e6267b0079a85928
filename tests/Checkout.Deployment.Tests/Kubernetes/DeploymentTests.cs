using Checkout.Deployment.Tests.Docker;
using Checkout.Deployment.Tests.Harness;

namespace Checkout.Deployment.Tests.Kubernetes;

/// <summary>What each Deployment tells its container matches the image it runs: ports, probes, environment.</summary>
public sealed class DeploymentTests
{
    public static TheoryData<string> Containers() => [.. DeployedContainer.All.Select(c => $"{c.Deployment.Name}/{c.Name}")];

    [Fact]
    public void Every_deployed_app_has_a_deployment_and_every_deployment_runs_a_known_image()
    {
        var images = DeployedContainer.All.Select(c => c.ImageName).ToList();
        foreach (var container in DeployedContainer.All)
        {
            Assert.True(App.ForImage(container.ImageName) is not null,
                $"{container.Where}: image '{container.Image}' is none of the images built here ({string.Join(", ", App.All.Select(a => a.Image))}).");
        }

        foreach (var app in App.All)
        {
            Assert.True(images.Contains(app.Image), $"deploy/kubernetes: no Deployment runs {app.Image} ({app.ProjectDirectory}).");
        }
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void The_container_port_is_the_port_the_image_exposes_and_listens_on(string container)
    {
        var c = Find(container);
        var dockerfile = DockerfileTests.DockerfileOf(c.ImageName);
        var ports = c.Node.Items("ports").Select(p => p.Text("containerPort")).ToList();
        Assert.True(ports.Count == 1, $"{c.Where}: expected one container port, found [{string.Join(", ", ports)}].");
        var exposed = DockerfileTests.ExposedPort(dockerfile);
        var listening = DockerfileTests.HttpPorts(dockerfile);
        Assert.True(ports[0] == exposed?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{c.Where}: containerPort {ports[0]}, but {dockerfile.Path} has EXPOSE {exposed}.");
        Assert.True(ports[0] == listening?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{c.Where}: containerPort {ports[0]}, but {dockerfile.Path} sets ASPNETCORE_HTTP_PORTS={listening}.");
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Every_probe_gets_a_path_the_app_maps_on_its_container_port(string container)
    {
        var c = Find(container);
        var project = ProjectOf(c);
        foreach (var (probe, required) in new[] { ("livenessProbe", true), ("readinessProbe", true), ("startupProbe", false) })
        {
            var node = c.Node.At(probe);
            if (node is null)
            {
                Assert.False(required, $"{c.Where}: no {probe}.");
                continue;
            }

            var path = node.Text("httpGet", "path");
            Assert.True(path is not null, $"{c.Where}: {probe} is not an httpGet probe.");
            var port = node.Text("httpGet", "port");
            Assert.True(c.PortOf(port) is not null, $"{c.Where}: {probe} targets port '{port}', which the container does not declare.");
            Assert.True(Serves(project, path),
                $"{c.Where}: {probe} gets {path}, but no string literal \"{path}\" (nor a route prefix and rest adding up to it) is in {project.Describe()}.");
        }
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Every_environment_variable_is_a_setting_the_app_reads(string container)
    {
        var c = Find(container);
        var project = ProjectOf(c);
        var names = c.Node.Items("env").Select(e => e.Text("name")!).ToList();
        Assert.True(names.Count > 0, $"{c.Where}: no env; the app needs at least its connection settings.");
        var unread = names.Select(n => (Name: n, Why: ConfigurationKeys.WhyNotRead(n, project))).Where(x => x.Why is not null).ToList();
        Assert.True(unread.Count == 0,
            $"{c.Where}: environment variables the app does not read:{Environment.NewLine}" + string.Join(Environment.NewLine, unread.Select(x => $"  {x.Name}: {x.Why}")));
        Assert.True(!c.Node.Items("envFrom").Any(), $"{c.Where}: envFrom hides variable names from this check; list each under env.");
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Every_secret_and_config_map_key_the_container_reads_is_defined_under_deploy(string container)
    {
        var c = Find(container);
        foreach (var env in c.Node.Items("env"))
        {
            foreach (var (kind, reference) in new[] { ("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef") })
            {
                var selector = env.At("valueFrom", reference);
                if (selector is null)
                {
                    continue;
                }

                var name = selector.Text("name");
                var key = selector.Text("key")!;
                var source = Manifest.OfKind(kind).SingleOrDefault(m => m.Name == name);
                Assert.True(source is not null, $"{c.Where}: env {env.Text("name")} reads {kind} '{name}', which no file in deploy/kubernetes defines.");
                var keys = source.Root.Entries("data").Concat(source.Root.Entries("stringData")).Select(e => e.Key).ToList();
                Assert.True(keys.Contains(key), $"{c.Where}: env {env.Text("name")} reads key '{key}' of {source.Where}, whose keys are [{string.Join(", ", keys)}].");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void The_container_runs_non_root_without_privileges_and_with_resource_bounds(string container)
    {
        var c = Find(container);
        var pod = c.PodSpec.At("securityContext");
        Assert.True(pod.Text("runAsNonRoot") == "true", $"{c.Where}: the pod's securityContext.runAsNonRoot is not true.");
        var user = c.Node.Text("securityContext", "runAsUser") ?? pod.Text("runAsUser");
        Assert.True(user is not null && user != "0", $"{c.Where}: runAsUser is '{user}'; set the image's non-root id (1654, APP_UID).");
        Assert.True(c.Node.Text("securityContext", "allowPrivilegeEscalation") == "false", $"{c.Where}: securityContext.allowPrivilegeEscalation is not false.");
        Assert.True(c.Node.Items("securityContext", "capabilities", "drop").Any(n => n.Text() == "ALL"), $"{c.Where}: securityContext.capabilities.drop does not list ALL.");
        foreach (var bound in new[] { "requests", "limits" })
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.True(c.Node.Text("resources", bound, resource) is not null, $"{c.Where}: no resources.{bound}.{resource}.");
            }
        }
    }

    [Fact]
    public void The_api_runs_two_replicas_or_more()
    {
        var api = Manifest.OfKind("Deployment").Single(d => d.Root.Items("spec", "template", "spec", "containers").Any(c => c.Text("image")!.StartsWith("sagas/checkout-api", StringComparison.Ordinal)));
        Assert.True(int.Parse(api.Root.Text("spec", "replicas") ?? "1", System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{api.Where}: spec.replicas below 2.");
    }

    [Fact]
    public void Every_service_selects_a_deployment_and_targets_a_port_of_its_container()
    {
        Assert.NotEmpty(Manifest.OfKind("Service"));
        foreach (var service in Manifest.OfKind("Service"))
        {
            var selector = service.Root.Entries("spec", "selector").ToDictionary(e => e.Key, e => e.Value.Text());
            var target = DeployedContainer.All.Where(c => selector.All(s => c.Deployment.Root.Text("spec", "template", "metadata", "labels", s.Key) == s.Value)).ToList();
            Assert.True(target.Count == 1, $"{service.Where}: the selector matches {target.Count} Deployments' containers, expected one.");
            foreach (var port in service.Root.Items("spec", "ports"))
            {
                var targetPort = port.Text("targetPort") ?? port.Text("port");
                Assert.True(target[0].PortOf(targetPort) is not null, $"{service.Where}: targetPort '{targetPort}' is not a port of {target[0].Where}.");
            }
        }
    }

    [Fact]
    public void The_worker_reaches_the_function_host_through_its_service()
    {
        var worker = Find("checkout-worker/worker");
        var selector = worker.Node.Items("env").Single(e => e.Text("name") == "Checkout__FunctionsUrl").At("valueFrom", "configMapKeyRef");
        var settings = Manifest.OfKind("ConfigMap").Single(m => m.Name == selector.Text("name"));
        var url = new Uri(settings.Root.Text("data", selector.Text("key")!)!);
        var service = Manifest.OfKind("Service").SingleOrDefault(s => s.Name == url.Host);
        Assert.True(service is not null, $"{settings.Where}: the function host URL {url} names host '{url.Host}', which is no Service in deploy/kubernetes.");
        var ports = service.Root.Items("spec", "ports").Select(p => p.Text("port")).ToList();
        Assert.True(ports.Contains(url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{settings.Where}: {url} uses port {url.Port}, {service.Where} offers [{string.Join(", ", ports)}].");
        var backend = DeployedContainer.All.Single(c => c.Deployment.Root.Text("spec", "template", "metadata", "labels", "app.kubernetes.io/name") == service.Root.Text("spec", "selector", "app.kubernetes.io/name"));
        Assert.Equal("sagas/checkout-functions", backend.ImageName);
    }

    internal static DeployedContainer Find(string container) =>
        DeployedContainer.All.Single(c => $"{c.Deployment.Name}/{c.Name}" == container);

    internal static ProjectSources ProjectOf(DeployedContainer container)
    {
        var app = App.ForImage(container.ImageName);
        Assert.True(app is not null, $"{container.Where}: image '{container.Image}' is built by no project here.");
        var project = ProjectSources.TryLoad(app.ProjectDirectory);
        Assert.True(project is not null, $"{container.Where}: {app.ProjectDirectory} has no project file yet, so nothing can be checked against its code.");
        return project;
    }

    // The literal path, or a route group prefix and the rest of the path as two literals (MapGroup("/health") + "/live").
    private static bool Serves(ProjectSources project, string path)
    {
        if (project.Literals.Contains(path))
        {
            return true;
        }

        for (var i = path.IndexOf('/', 1); i > 0; i = path.IndexOf('/', i + 1))
        {
            if (project.Literals.Contains(path[..i]) && (project.Literals.Contains(path[i..]) || project.Literals.Contains(path[(i + 1)..])))
            {
                return true;
            }
        }

        return false;
    }
}

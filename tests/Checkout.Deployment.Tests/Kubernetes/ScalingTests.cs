using Checkout.Deployment.Tests.Harness;

namespace Checkout.Deployment.Tests.Kubernetes;

/// <summary>Autoscaling targets what exists: KEDA watches the worker's own queues, HPAs scale real Deployments.</summary>
public sealed class ScalingTests
{
    [Fact]
    public void Keda_scales_the_worker_on_the_queues_the_worker_consumes()
    {
        var scaledObjects = Manifest.OfKind("ScaledObject").ToList();
        Assert.True(scaledObjects.Count > 0, "deploy/kubernetes: no KEDA ScaledObject; the worker should scale on queue depth.");
        foreach (var scaled in scaledObjects)
        {
            var target = Manifest.OfKind("Deployment").SingleOrDefault(d => d.Name == scaled.Root.Text("spec", "scaleTargetRef", "name"));
            Assert.True(target is not null, $"{scaled.Where}: scaleTargetRef names '{scaled.Root.Text("spec", "scaleTargetRef", "name")}', which is no Deployment here.");
            var container = DeployedContainer.All.Single(c => c.Deployment == target);
            var project = DeploymentTests.ProjectOf(container);
            var queues = scaled.Root.Items("spec", "triggers").Where(t => t.Text("type") == "rabbitmq").ToList();
            Assert.True(queues.Count > 0, $"{scaled.Where}: no rabbitmq trigger.");
            foreach (var trigger in queues)
            {
                var queue = trigger.Text("metadata", "queueName")!;
                Assert.True(project.EndpointNames.Contains(queue) || project.Literals.Contains(queue),
                    $"{scaled.Where}: scales on queue '{queue}', which {project.Describe()} neither registers (its queues: {string.Join(", ", project.EndpointNames.Order(StringComparer.Ordinal))}) nor names in a string literal.");
                Assert.True(trigger.Text("metadata", "host") is null, $"{scaled.Where}: queue '{queue}' has the broker URI inline; it holds a password, take it from a TriggerAuthentication.");
                var auth = Manifest.OfKind("TriggerAuthentication").SingleOrDefault(a => a.Name == trigger.Text("authenticationRef", "name"));
                Assert.True(auth is not null, $"{scaled.Where}: queue '{queue}' uses authenticationRef '{trigger.Text("authenticationRef", "name")}', which is no TriggerAuthentication here.");
                var host = auth.Root.Items("spec", "secretTargetRef").SingleOrDefault(r => r.Text("parameter") == "host");
                Assert.True(host is not null, $"{auth.Where}: no secretTargetRef for the 'host' parameter.");
                var secret = Manifest.OfKind("Secret").SingleOrDefault(s => s.Name == host.Text("name"));
                Assert.True(secret is not null && secret.Root.Entries("stringData").Concat(secret.Root.Entries("data")).Any(e => e.Key == host.Text("key")),
                    $"{auth.Where}: reads key '{host.Text("key")}' of Secret '{host.Text("name")}', which deploy/kubernetes does not define.");
                var worker = container.Node.Items("env").Single(e => e.Text("name") == "ConnectionStrings__RabbitMq").At("valueFrom", "secretKeyRef");
                Assert.True(worker.Text("name") == host.Text("name") && worker.Text("key") == host.Text("key"),
                    $"{auth.Where}: KEDA connects with {host.Text("name")}/{host.Text("key")}, the worker with {worker.Text("name")}/{worker.Text("key")}; they should watch the same broker.");
            }

            Assert.True(int.Parse(scaled.Root.Text("spec", "minReplicaCount") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1,
                $"{scaled.Where}: minReplicaCount below 1; deadlines wait in the outbox and need a running worker.");
        }
    }

    [Fact]
    public void No_plain_hpa_competes_with_keda_and_every_hpa_targets_a_deployment()
    {
        var kedaTargets = Manifest.OfKind("ScaledObject").Select(s => s.Root.Text("spec", "scaleTargetRef", "name")).ToHashSet();
        foreach (var hpa in Manifest.OfKind("HorizontalPodAutoscaler"))
        {
            var target = hpa.Root.Text("spec", "scaleTargetRef", "name");
            Assert.True(Manifest.OfKind("Deployment").Any(d => d.Name == target), $"{hpa.Where}: scaleTargetRef names '{target}', which is no Deployment here.");
            Assert.False(kedaTargets.Contains(target), $"{hpa.Where}: scales {target}, which a KEDA ScaledObject already scales through its own HPA.");
        }

        Assert.Contains(Manifest.OfKind("HorizontalPodAutoscaler"), h => h.Root.Text("spec", "scaleTargetRef", "name") == "checkout-api");
    }

    [Fact]
    public void The_kustomization_applies_every_manifest_except_the_example_secret()
    {
        var directory = Repository.PathOf("deploy", "kubernetes");
        var kustomization = Yaml.Load(Path.Combine(directory, "kustomization.yaml")).Single().RootNode;
        var resources = kustomization.Items("resources").Select(r => r.Text()!).ToList();
        foreach (var resource in resources)
        {
            Assert.True(File.Exists(Path.Combine(directory, resource)), $"deploy/kubernetes/kustomization.yaml: resource {resource} does not exist.");
        }

        var files = Directory.EnumerateFiles(directory, "*.yaml").Select(Path.GetFileName)
            .Where(f => f != "kustomization.yaml" && !f!.EndsWith(".example.yaml", StringComparison.Ordinal));
        foreach (var file in files)
        {
            Assert.True(resources.Contains(file!), $"deploy/kubernetes/{file} is not listed in kustomization.yaml, so `kubectl apply -k` leaves it out.");
        }

        var images = kustomization.Items("images").Select(i => i.Text("name")).ToList();
        foreach (var app in App.All)
        {
            Assert.True(images.Contains(app.Image), $"deploy/kubernetes/kustomization.yaml: no images entry for {app.Image}, so its tag cannot be set there.");
        }
    }
}

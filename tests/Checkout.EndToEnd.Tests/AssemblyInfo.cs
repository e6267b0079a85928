[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)] // one virtual host, shared queue names

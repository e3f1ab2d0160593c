using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Server.Load;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench serve --collection NAME`: throughput and latency of the HTTP search on loopback.</summary>
public static class BenchServeCommand
{
    public static Command Create()
    {
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "Model name or folder (default: the collection's)." };
        var backend = ModelWiring.BackendOption();
        var requests = new Option<int>("--requests") { Description = "Requests to send in all.", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Clients sending at once.", DefaultValueFactory = _ => 16 };
        var timeLimit = new Option<int>("--time-limit") { Description = "Seconds after which the run stops, requests left or not.", DefaultValueFactory = _ => 300 };
        var json = CommonOptions.Json();
        var command = new Command("serve", "Start the server on a free loopback port and measure text-search throughput, p50/p99 latency and errors.")
        {
            collection, model, backend, requests, concurrency, timeLimit, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var load = new LoadOptions { Requests = parse.GetValue(requests), Concurrency = parse.GetValue(concurrency), TimeLimit = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeLimit))) }.Validate();
            using var served = ServeCommand.OpenCollection(parse.GetValue(collection)!, parse.GetValue(model), parse.GetValue(backend), null);
            var report = await ServeBenchmark.RunAsync(served, load, cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"GET /api/search on {served.Name}: {report.Summary()}; {Environment.ProcessorCount} cores");
            }

            return report.Errors > 0 || report.NotSent > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Routing;

namespace VidSearch.Server.Tests;

/// <summary>The hand-written OpenAPI document matches the routes the server really maps, method by method.</summary>
public class OpenApiTests(ServerWorld world)
{
    [Fact]
    public async Task TheDocumentDescribesExactlyTheApiRoutes()
    {
        await using var app = await world.StartAsync();
        var document = await Http.Json(await app.Client.GetAsync("/api/openapi.json"));
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var documented = new HashSet<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                documented.Add(operation.Name.ToUpperInvariant() + " " + path.Name);
                Assert.True(operation.Value.TryGetProperty("responses", out _), $"{operation.Name} {path.Name} has no responses");
            }
        }

        var mapped = new HashSet<string>();
        foreach (var endpoint in app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            string pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/').Replace(":long", "", StringComparison.Ordinal);
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (string method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
            {
                mapped.Add(method + " " + pattern);
            }
        }

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped.Order(), documented.Order());

        // Every $ref resolves, and the documented error codes are the ones the code defines.
        string text = document.ToString();
        foreach (var reference in System.Text.RegularExpressions.Regex.Matches(text, "\"#/components/(\\w+)/(\\w+)\"").Cast<System.Text.RegularExpressions.Match>())
        {
            Assert.True(document.GetProperty("components").GetProperty(reference.Groups[1].Value).TryGetProperty(reference.Groups[2].Value, out _), reference.Value);
        }

        string description = document.GetProperty("info").GetProperty("description").GetString()!;
        foreach (var code in typeof(Api.ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!))
        {
            Assert.Contains(code, description);
        }
    }
}

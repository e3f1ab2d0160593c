using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using VidSearch.Core;
using VidSearch.Server.Api;
using VidSearch.Server.Collections;
using VidSearch.Server.Security;
using VidSearch.Server.Web;

namespace VidSearch.Server.Hosting;

/// <summary>
/// Builds the `vidsearch serve` web application over one collection: the JSON API under /api, the search page at /,
/// API keys, per-client rate limits, path guarding and JSON errors. The CLI runs it on Kestrel; tests pass
/// <c>configure</c> to put it on a TestServer.
/// </summary>
public static class VidSearchServer
{
    /// <summary>
    /// The application (not started). Refuses a non-loopback binding unless the collection has an active API key:
    /// keys are then required on every endpoint but health. The caller keeps ownership of <paramref name="collection"/>
    /// (dispose it after the application).
    /// </summary>
    public static WebApplication Build(ServerOptions options, CollectionService collection, Action<WebApplicationBuilder>? configure = null)
    {
        options.Validate();
        var keyStore = ApiKeyStore.ForCollection(collection.Path);
        bool exposed = !BindingPolicy.LoopbackOnly(options.Urls);
        if (exposed && !keyStore.List().Any(k => k.Active))
        {
            throw VidSearchException.Argument("--urls", $"'{options.Urls}' lets other machines reach the collection; create an API key first "
                + $"(`vidsearch keys create --collection {collection.Name} --name NAME`), or listen on 127.0.0.1");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024;
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.LogRequests ? LogLevel.Information : LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(collection);
        builder.Services.AddSingleton(new KeyRing(keyStore, exposed || options.RequireKeys));
        builder.Services.AddSingleton(new MediaLinkSigner(options.MediaLinkLifetime));
        builder.Services.AddRateLimiter(limiter => RateLimiting.Configure(limiter, options));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<ErrorHandling>();
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            context.Response.Headers.XFrameOptions = "DENY";
            return next(context);
        });
        app.UseMiddleware<PathGuard>();
        app.UseMiddleware<ApiKeyAuthentication>();
        app.UseRateLimiter();
        ApiEndpoints.Map(app);
        WebPage.Map(app);
        return app;
    }

    /// <summary>The addresses the started application listens on (port 0 resolved).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}

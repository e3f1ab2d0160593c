using System.CommandLine;
using System.Reflection;
using VidSearch.Cli.Infrastructure;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch version`: the tool's version.</summary>
public static class VersionCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var command = new Command("version", "Print the version of vidsearch.") { json };
        command.SetHandler(parse =>
        {
            string version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { version });
            }
            else
            {
                Console.WriteLine($"vidsearch {version}");
            }

            return 0;
        });
        return command;
    }
}

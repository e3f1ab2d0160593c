using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Storage;
using VidSearch.Server.Security;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch keys create|list|revoke --collection NAME`: the API keys of `vidsearch serve` (stored hashed).</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke the API keys of `vidsearch serve` for a collection (only their SHA-256 is stored).");
        command.Subcommands.Add(CreateKey());
        command.Subcommands.Add(ListKeys());
        command.Subcommands.Add(RevokeKey());
        return command;
    }

    private static Option<string> CollectionOption() => new("--collection", "-c") { Description = "Collection name or .db path.", Required = true };

    private static ApiKeyStore Store(string collection)
    {
        string path = CollectionLocator.Resolve(collection);
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "collection not found (create it with `vidsearch index`)");
        }

        return ApiKeyStore.ForCollection(path);
    }

    private static Command CreateKey()
    {
        var collection = CollectionOption();
        var name = new Option<string>("--name", "-n") { Description = "Who or what uses the key.", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("create", "Create a key; it is printed once and cannot be shown again.") { collection, name, json };
        command.SetHandler(parse =>
        {
            var created = Store(parse.GetValue(collection)!).Create(parse.GetValue(name)!);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { created.Record.Id, created.Record.Name, created.Record.Created, created.Key });
            }
            else
            {
                Console.WriteLine(created.Key);
                Console.Error.WriteLine($"key {created.Record.Id} ('{created.Record.Name}') created; keep it now, it is not stored and cannot be shown again");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ListKeys()
    {
        var collection = CollectionOption();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the keys (ids, names, dates; never the keys).") { collection, json };
        command.SetHandler(parse =>
        {
            var keys = Store(parse.GetValue(collection)!).List();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(keys.Select(k => new { k.Id, k.Name, k.Created, k.Revoked, k.Active }));
                return ExitCodes.Success;
            }

            if (keys.Count == 0)
            {
                Console.WriteLine("no keys (the server needs none on loopback; create one before listening elsewhere)");
            }

            foreach (var key in keys)
            {
                Console.WriteLine($"{key.Id}  {(key.Active ? "active " : "revoked")}  {key.Created:yyyy-MM-dd HH:mm}  {key.Name}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command RevokeKey()
    {
        var collection = CollectionOption();
        var id = new Argument<string>("id") { Description = "The key's id (from `keys list`)." };
        var command = new Command("revoke", "Revoke a key; a running server refuses it within a second.") { id, collection };
        command.SetHandler(parse =>
        {
            string keyId = parse.GetValue(id)!;
            if (!Store(parse.GetValue(collection)!).Revoke(keyId))
            {
                throw new VidSearchException(ErrorKind.NotFound, keyId, "no active key with this id (see `vidsearch keys list`)");
            }

            Console.WriteLine($"key {keyId} revoked");
            return ExitCodes.Success;
        });
        return command;
    }
}

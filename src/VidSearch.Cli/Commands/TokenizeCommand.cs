using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using VidSearch.Cli.Infrastructure;
using VidSearch.Models.Tokenization;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch tokenize "TEXT"`: the CLIP token ids and tokens of a query, to debug what the text encoder sees.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var text = new Argument<string>("text") { Description = "The text to tokenize (quote it)." };
        var json = CommonOptions.Json();
        var vocab = new Option<string?>("--vocab") { Description = "Vocabulary: bpe_simple_vocab_16e6.txt.gz, vocab.json (merges.txt beside it), tokenizer.json, or a folder." };
        var model = new Option<string?>("--model", "-m") { Description = "Use the tokenizer files of a model (name in the store, or folder)." };
        var context = new Option<int>("--context") { Description = "Context length (start and end tokens included).", DefaultValueFactory = _ => ClipTokenizer.DefaultContextLength };
        var command = new Command("tokenize", "Show the CLIP token ids and tokens of a text.") { text, json, vocab, model, context };
        command.SetHandler(parse =>
        {
            int contextLength = parse.GetValue(context);
            var tokenizer = ClipTokenizerLocator.Open(parse.GetValue(vocab), parse.GetValue(model), contextLength: contextLength < 2 ? 2 : contextLength);
            string input = parse.GetValue(text) ?? string.Empty;
            var batch = tokenizer.EncodeBatch([input], contextLength);
            int[] full = tokenizer.Encode(input);
            int[] ids = batch.Row(0)[..(batch.EndPositions[0] + 1)].ToArray().Select(x => (int)x).ToArray();
            var tokens = tokenizer.TokensOf(ids);
            bool truncated = full.Length > contextLength;

            if (parse.GetValue(json))
            {
                // Tokens are shown as they are ("<|startoftext|>", "cafÃ©</w>"), not as \u003C escapes.
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    text = input,
                    contextLength,
                    ids,
                    tokens,
                    tokenCount = full.Length,
                    truncated,
                    droppedTokens = truncated ? full.Length - contextLength : 0,
                    vocabulary = tokenizer.Source,
                }, ReadableJson));
                return 0;
            }

            Console.WriteLine($"ids: {string.Join(' ', ids)}");
            Console.WriteLine($"{ids.Length} of {contextLength} positions used (start + {ids.Length - 2} text tokens + end)");
            if (truncated)
            {
                Console.WriteLine($"truncated: the text has {full.Length - 2} tokens, the encoder reads the first {contextLength - 2}; {full.Length - contextLength} dropped");
            }

            Console.WriteLine();
            Console.WriteLine(" pos     id  token");
            for (int i = 0; i < ids.Length; i++)
            {
                Console.WriteLine($"{i,4} {ids[i],6}  {tokens[i]}{Readable(tokenizer, ids[i], tokens[i])}");
            }

            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions ReadableJson = new(JsonOutput.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Byte-level tokens of non-ASCII text are unreadable ("Ã©</w>"): show the text they stand for beside them.
    private static string Readable(ClipTokenizer tokenizer, int id, string token)
    {
        if (id == tokenizer.StartTokenId || id == tokenizer.EndTokenId || token.All(c => c < 0x7F))
        {
            return string.Empty;
        }

        string decoded = tokenizer.Decode([id]);
        return decoded.Length == 0 || decoded.Contains('\uFFFD') ? "  (part of a multi-byte character)" : $"  \"{decoded}\"";
    }
}

using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Models.Video;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch embed --model M (--text T | --image F | --video F)`: the L2-normalised embedding of one input.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model name (in the store) or model folder.", Required = true };
        var text = new Option<string?>("--text") { Description = "A text to embed." };
        var image = new Option<string?>("--image") { Description = "An image file to embed (PNG, JPEG...)." };
        var video = new Option<string?>("--video") { Description = "A video file to embed (mean of its sampled frames)." };
        var strategy = new Option<string>("--strategy") { Description = "Frame sampling of a --video.", DefaultValueFactory = _ => ModelWiring.DefaultClipStrategy };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var json = CommonOptions.Json();
        var command = new Command("embed", "Print the embedding (L2-normalised) of a text, an image or a video.")
        {
            model, text, image, video, strategy, backend, threads, json,
        };
        command.SetHandler(parse =>
        {
            string? textValue = parse.GetValue(text), imagePath = parse.GetValue(image), videoPath = parse.GetValue(video);
            int given = (textValue is not null ? 1 : 0) + (imagePath is not null ? 1 : 0) + (videoPath is not null ? 1 : 0);
            if (given != 1)
            {
                throw VidSearchException.Argument("--text/--image/--video", given == 0 ? "give one input to embed" : "give only one of them");
            }

            foreach (string? file in new[] { imagePath, videoPath })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new VidSearchException(ErrorKind.NotFound, file, "file not found");
                }
            }

            if (videoPath is not null)
            {
                _ = VidSearch.Media.Sampling.SamplingStrategies.Parse(parse.GetValue(strategy)!);
            }

            using var opened = ModelWiring.LoadModel(parse.GetValue(model)!, parse.GetValue(backend), parse.GetValue(threads), sharesCoresWithDecoding: videoPath is not null);
            float[] embedding;
            string kind;
            object? details = null;
            if (textValue is not null)
            {
                kind = "text";
                string trimmed = textValue.Trim();
                if (trimmed.Length == 0)
                {
                    throw VidSearchException.Argument("--text", "is empty");
                }

                details = new { tokens = opened.CountTokens(trimmed), truncated = opened.CountTokens(trimmed) > opened.Tokenizer.ContextLength };
                embedding = VectorMath.Normalized(opened.Model.EncodeTexts([trimmed]).RowReadOnly(0));
            }
            else if (imagePath is not null)
            {
                kind = "image";
                embedding = VideoEmbeddingPipeline.EmbedImage(opened.Model, imagePath);
            }
            else
            {
                kind = "video";
                var embedded = ModelWiring.CreatePipeline(opened, parse.GetValue(strategy)!).Embed(videoPath!);
                embedding = embedded.MeanVector();
                details = new { sampling = parse.GetValue(strategy), frames = embedded.FramesEncoded, planned = embedded.Plan.ValidCount, problem = embedded.Problem };
                if (embedded.Problem is { } problem)
                {
                    Console.Error.WriteLine($"warning: {videoPath}: {problem}");
                }
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(new
                {
                    model = opened.Model.ModelId,
                    backend = opened.Backend.ToString(),
                    kind,
                    input = textValue ?? imagePath ?? videoPath,
                    dim = embedding.Length,
                    details,
                    embedding,
                });
            }
            else
            {
                Console.WriteLine(string.Join(' ', embedding.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

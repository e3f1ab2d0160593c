using VidSearch.Cli.Infrastructure;

namespace VidSearch.Cli.Tests;

/// <summary>Command lines that do not parse exit with the README's usage code (2), with System.CommandLine's message.</summary>
[Collection(nameof(ConsoleCapture))]
public class UsageErrorTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => EndToEndTests.Run(args);

    private static void AssertUsageError((int Code, string Out, string Err) result, string expected)
    {
        Assert.Equal(ExitCodes.UsageError, result.Code);
        Assert.Contains(expected, result.Err);
        Assert.DoesNotContain("   at ", result.Err + result.Out); // no stack trace
    }

    [Fact]
    public async Task AnUnknownCommandIsAUsageError()
        => AssertUsageError(await Run("serach", "a dog"), "'serach'");

    [Fact]
    public async Task AnUnknownOptionIsAUsageError()
        => AssertUsageError(await Run("tokenize", "a dog", "--no-such-option"), "'--no-such-option'");

    [Fact]
    public async Task AMissingRequiredOptionIsAUsageError()
        => AssertUsageError(await Run("search", "a dog"), "'--collection'");

    [Fact]
    public async Task AValueOfTheWrongTypeIsAUsageError()
        => AssertUsageError(await Run("models", "init", "--arch", "test-tiny", "--out", "x", "--seed", "many"), "'many'");

    [Fact]
    public async Task NoCommandAtAllIsAUsageError()
        => AssertUsageError(await Run(), "Required command was not provided");

    [Fact]
    public async Task HelpAndVersionStillSucceed()
    {
        Assert.Equal(0, (await Run("--help")).Code);
        Assert.Equal(0, (await Run("--version")).Code);
        Assert.Equal(0, (await Run("models", "init", "--help")).Code);
    }

    [Fact]
    public void TheProgramItselfExitsWithTheUsageCode()
    {
        var (code, _, error) = CliRunner.Run("models", "init", "--out", "x");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("'--arch'", error);
    }
}

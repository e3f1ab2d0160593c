using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Tests;

public class VocabularyTests
{
    [Theory]
    [InlineData("large-green-circle", "large-green-square", "shape")]
    [InlineData("large-red-cross+small-blue-circle", "small-red-cross+small-blue-circle", "size")]
    [InlineData("large-red-cross+small-blue-circle", "small-red-diamond+large-blue-cross", "shape")]
    [InlineData("large-red-cross+small-blue-circle", "large-blue-cross+small-red-circle", "binding")]
    [InlineData("large-red-cross+small-blue-circle", "small-blue-circle+large-red-cross", "same")]
    [InlineData("large-red-cross", "large-red-cross+small-blue-circle", "count")]
    [InlineData("large-red-cross", "small-white-square", "size+colour+shape")]
    [InlineData("large-red", "large-blue", "other")]
    public void Group_difference_names_what_tells_two_groups_apart(string first, string second, string expected)
    {
        Assert.Equal(expected, Vocabulary.GroupDifference(first, second));
        Assert.Equal(expected, Vocabulary.GroupDifference(second, first));
    }
}

using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("VidSearch.Models.Tests")]

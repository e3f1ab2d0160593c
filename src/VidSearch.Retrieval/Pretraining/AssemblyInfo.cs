[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("VidSearch.Retrieval.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("VidSearch.Benchmarks")]

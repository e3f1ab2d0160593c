[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("VidSearch.Retrieval.Tests")]

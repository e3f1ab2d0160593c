using System.Runtime.InteropServices;
using VidSearch.Models.Clip;

namespace VidSearch.Models.Tests.Clip;

public class TorchRuntimeDefaultsTests
{
    [DllImport("libc")]
    private static extern IntPtr getenv(string name);

    [Fact]
    public void OpenMP_waits_passively_unless_the_user_chose_otherwise()
    {
        _ = ClipConfig.Tiny; // touching the library runs its module initializer
        string? userChoice = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? native = Marshal.PtrToStringAnsi(getenv("OMP_WAIT_POLICY"));
        Assert.Equal(userChoice ?? "PASSIVE", native);
    }
}

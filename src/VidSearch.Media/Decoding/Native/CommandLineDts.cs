using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// The decoding timestamps the ffmpeg command hands its decoder: it overwrites each packet's dts with its own clock
/// (the packet's dts by way of microseconds, or, for a packet without one, the previous time plus a frame), and a
/// decoder's best-effort frame times fall back on these dts. Kept here so that both engines see the same times.
/// </summary>
internal sealed class CommandLineDts(int timeBaseNum, int timeBaseDen, int rateNum, int rateDen, int videoDelay)
{
    private const long Microseconds = 1_000_000;

    private bool sawFirst;
    private long dts = LibavAbi.NoTimestamp;
    private long nextDts = LibavAbi.NoTimestamp;
    private long durationUs;
    private readonly Queue<long> drained = new();

    /// <summary>The dts (in the stream's time base) ffmpeg gives the decoder for a packet with these fields.</summary>
    public long ForPacket(long packetDts, long packetDuration)
    {
        if (!sawFirst)
        {
            dts = rateNum != 0 && rateDen != 0 ? (long)(-(videoDelay * (int)Microseconds) / ((double)rateNum / rateDen)) : 0;
            sawFirst = true;
        }

        if (nextDts == LibavAbi.NoTimestamp)
        {
            nextDts = dts;
        }

        if (packetDts != LibavAbi.NoTimestamp)
        {
            nextDts = dts = Rescale(packetDts, (long)timeBaseNum * Microseconds, timeBaseDen);
        }

        dts = nextDts;
        durationUs = packetDuration != 0
            ? Rescale(packetDuration, (long)timeBaseNum * Microseconds, timeBaseDen)
            : rateNum > 0 && rateDen > 0 ? Microseconds * rateDen / rateNum : 0;
        long result = dts == LibavAbi.NoTimestamp ? LibavAbi.NoTimestamp : Rescale(dts, timeBaseDen, (long)timeBaseNum * Microseconds);
        Advance();
        return result;
    }

    /// <summary>
    /// One call of ffmpeg's decoder drain at the end of the file: it notes its clock's time, which the next drained
    /// frame without a time of its own takes (<see cref="TakeDrained"/>), and moves the clock on by a frame.
    /// </summary>
    public void Drain()
    {
        dts = nextDts;
        drained.Enqueue(dts == LibavAbi.NoTimestamp ? LibavAbi.NoTimestamp : Rescale(dts, timeBaseDen, (long)timeBaseNum * Microseconds));
        durationUs = rateNum > 0 && rateDen > 0 ? Microseconds * rateDen / rateNum : 0;
        Advance();
    }

    /// <summary>The time ffmpeg gives a drained frame that has none (NOPTS when it has no note either).</summary>
    public long TakeDrained() => drained.TryDequeue(out long time) ? time : LibavAbi.NoTimestamp;

    /// <summary>One more frame came out for the same packet: ffmpeg's clock moves on by a frame.</summary>
    public void ExtraFrame()
    {
        dts = nextDts;
        Advance();
    }

    /// <summary>av_rescale_rnd(a, b, c, AV_ROUND_NEAR_INF): a × b / c rounded to the nearest, halves away from zero.</summary>
    public static long Rescale(long a, long b, long c)
    {
        if (a < 0)
        {
            return -Rescale(-a, b, c);
        }

        return (long)((((Int128)a * b) + (c / 2)) / c);
    }

    private void Advance()
    {
        if (dts != LibavAbi.NoTimestamp && durationUs != 0)
        {
            nextDts += durationUs;
        }
        else
        {
            nextDts = LibavAbi.NoTimestamp;
        }
    }
}

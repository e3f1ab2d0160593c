namespace VidSearch.Media.Probing;

/// <summary>
/// The presentation timestamps of every frame of a video stream and which ones are keyframes, read from the
/// container's packets without decoding (one demux pass). Used to measure exact durations, to map
/// a requested time to the frame shown at that time, and to plan seeks.
/// </summary>
public sealed class FrameTimeline
{
    private FrameTimeline(double[] times, bool[] isKey, double lastDuration)
    {
        Times = times;
        IsKey = isKey;
        LastFrameDuration = lastDuration;
    }

    /// <summary>Presentation times (container seconds) of the frames, ascending.</summary>
    public double[] Times { get; }

    /// <summary>Whether frame i (in presentation order) is a keyframe.</summary>
    public bool[] IsKey { get; }

    public double LastFrameDuration { get; }

    public int Count => Times.Length;

    public double Start => Times.Length > 0 ? Times[0] : 0;

    /// <summary>First frame to the end of the last one, in seconds.</summary>
    public double Duration => Times.Length > 0 ? Times[^1] + LastFrameDuration - Times[0] : 0;

    /// <summary>True when the gaps between frames vary by more than 10% (beyond timestamp rounding).</summary>
    public bool IsVariable
    {
        get
        {
            if (Times.Length < 3)
            {
                return false;
            }

            double min = double.MaxValue, max = 0;
            for (int i = 1; i < Times.Length; i++)
            {
                double gap = Times[i] - Times[i - 1];
                min = Math.Min(min, gap);
                max = Math.Max(max, gap);
            }

            return max - min > Math.Max(0.1 * max, 0.0015);
        }
    }

    /// <summary>Index of the frame on screen at container time <paramref name="time"/> (the last one starting at or before it).</summary>
    public int FrameAt(double time)
    {
        int index = Array.BinarySearch(Times, time + 1e-6);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return Math.Clamp(index, 0, Times.Length - 1);
    }

    /// <summary>Index of the last keyframe at or before frame <paramref name="frame"/> (0 when there is none).</summary>
    public int KeyframeBefore(int frame)
    {
        for (int i = frame; i >= 0; i--)
        {
            if (IsKey[i])
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>
    /// Reads the packets of the first video stream (with the probe engine in use, see <see cref="ProbeEngines"/>).
    /// Frame rate is used where packets carry no timestamps.
    /// </summary>
    public static FrameTimeline Read(string path, double frameRate, CancellationToken ct = default)
        => FromPackets(ProbeEngines.Reader().ReadFirstVideoStreamPackets(path, ct), frameRate);

    /// <summary>Parses ffprobe's "pts_time,dts_time,duration_time,flags" CSV lines.</summary>
    public static FrameTimeline Parse(string csv, double frameRate) => FromPackets(FfprobeReader.ParseCsvPackets(csv), frameRate);

    /// <summary>Builds the timeline from the stream's packets in the order read.</summary>
    public static FrameTimeline FromPackets(IReadOnlyList<PacketTimes> packets, double frameRate)
    {
        var entries = new List<(double Time, bool Key, double Duration)>(packets.Count);
        double period = frameRate > 0 ? 1.0 / frameRate : 0.04;
        // Packets without a presentation time use their decoding time (the same without B-frames). Streams where most
        // packets have neither (raw elementary streams) are counted at the nominal rate.
        int timed = 0;
        foreach (var packet in packets)
        {
            if (packet.Pts is not null || packet.Dts is not null)
            {
                timed++;
            }
        }

        bool synthesize = timed < (packets.Count + 1) / 2;
        for (int i = 0; i < packets.Count; i++)
        {
            var packet = packets[i];
            double time;
            if (synthesize)
            {
                time = i * period;
            }
            else if (packet.Pts is double pts)
            {
                time = pts;
            }
            else if (packet.Dts is double dts)
            {
                time = dts;
            }
            else
            {
                continue;
            }

            double duration = packet.Duration is double d && d > 0 ? d : period;
            entries.Add((time, packet.IsKey, duration));
        }

        entries.Sort((a, b) => a.Time.CompareTo(b.Time));
        var times = new double[entries.Count];
        var keys = new bool[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            times[i] = entries[i].Time;
            keys[i] = entries[i].Key;
        }

        return new FrameTimeline(times, keys, entries.Count > 0 ? entries[^1].Duration : 0);
    }
}

using System.Globalization;

namespace VidSearch.Media.Probing.Native;

/// <summary>
/// Turns the libraries' raw figures into the numbers ffprobe prints, so that both probe engines give identical
/// results: a time is ts × (num / den) rendered by C's "%f" (six decimals, exact ties to even, as glibc rounds) and
/// read back.
/// </summary>
internal static class ProbeNumbers
{
    /// <summary>A timestamp in seconds; null for AV_NOPTS_VALUE or a time base that gives no finite number.</summary>
    public static double? Seconds(long timestamp, int num, int den)
        => timestamp == LibavAbi.NoTimestamp ? null : Finite(timestamp * ((double)num / den));

    /// <summary>A duration in seconds; ffprobe prints none ("N/A") for a zero duration.</summary>
    public static double? DurationSeconds(long duration, int num, int den)
        => duration == 0 ? null : Finite(duration * ((double)num / den));

    /// <summary>A frame rate num/den as a number; 0 when the denominator is not positive (unknown).</summary>
    public static double Rate(int num, int den) => den > 0 ? (double)num / den : 0;

    /// <summary>A number as ffprobe's JSON carries it in text (a tag value); null when it is not a finite number.</summary>
    public static double? Parse(string? text)
        => text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

    /// <summary>The number that C's printf("%f", value) prints, read back: <paramref name="value"/> rounded to six decimals, ties to even.</summary>
    public static double SixDecimals(double value)
    {
        if (!double.IsFinite(value))
        {
            return value;
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        ulong mantissa = (ulong)bits & 0xF_FFFF_FFFF_FFFF;
        if (exponent == 0)
        {
            exponent = 1; // subnormal
        }
        else
        {
            mantissa |= 1UL << 52;
        }

        // |value| = mantissa × 2^power.
        int power = exponent - 1075;
        if (power >= 0)
        {
            return value; // a whole number: printed exactly
        }

        int shift = -power;
        UInt128 micro;
        if (shift >= 120)
        {
            micro = 0; // below 2^-67: rounds to zero
        }
        else
        {
            // |value| × 10^6 = mantissa × 10^6 / 2^shift, exactly: below 2^73, well within 128 bits.
            UInt128 scaled = (UInt128)mantissa * 1_000_000;
            micro = scaled >> shift;
            UInt128 remainder = scaled - (micro << shift);
            UInt128 half = (UInt128)1 << (shift - 1);
            if (remainder > half || (remainder == half && (micro & 1) == 1))
            {
                micro++;
            }
        }

        // Reading the decimal text back is the division correctly rounded, which the hardware does exactly when the
        // dividend is exact; beyond 2^53 the text itself is parsed.
        double magnitude = micro < (UInt128)1 << 53
            ? (double)(ulong)micro / 1_000_000
            : double.Parse(DecimalText(micro), CultureInfo.InvariantCulture);
        return negative ? -magnitude : magnitude;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? SixDecimals(value) : null;

    private static string DecimalText(UInt128 micro)
    {
        string digits = micro.ToString(CultureInfo.InvariantCulture).PadLeft(7, '0');
        return digits[..^6] + "." + digits[^6..];
    }
}

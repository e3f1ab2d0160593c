namespace VidSearch.Retrieval.Training;

/// <summary>Linear warmup from 0 to the peak, then cosine decay to the minimum at the last step.</summary>
public sealed record LearningRateSchedule(double Peak, double Minimum, long WarmupSteps, long TotalSteps)
{
    /// <summary>The rate used by the update of 0-based step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((step - WarmupSteps) / (double)decaySteps, 0, 1);
        return Minimum + ((Peak - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}

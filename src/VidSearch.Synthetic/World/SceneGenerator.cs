namespace VidSearch.Synthetic.World;

/// <summary>Whether a scene may, must not, or must involve a held-out colour-shape pair.</summary>
public enum HeldOutPolicy
{
    /// <summary>No object ever has a held-out pair (train and val).</summary>
    Forbid,
    /// <summary>Any pair may occur.</summary>
    Allow,
    /// <summary>The object of the first event has a held-out pair when the event starts (compositional test).</summary>
    Require,
}

/// <summary>What kind of scene to generate.</summary>
public sealed record SceneRequest
{
    public double MinSeconds { get; init; }

    public double MaxSeconds { get; init; }

    public int MinEvents { get; init; } = 1;

    public int MaxEvents { get; init; } = 2;

    /// <summary>Forces the kind of every event (action clips of one class).</summary>
    public EventKind? Kind { get; init; }

    public HeldOutPolicy HeldOut { get; init; } = HeldOutPolicy.Forbid;

    /// <summary>Long clip: events of 1-3 s separated by gaps, on random objects, no "stay" events.</summary>
    public bool Spread { get; init; }

    /// <summary>At least one event that time reversal changes (not only "stay").</summary>
    public bool RequireReversible { get; init; }
}

/// <summary>
/// Draws random scenes (background, 1-3 objects, events in sequence) from a seeded generator, under the
/// constraints of SYNTHETIC.md: moves cover at least MinMoveFraction of the canvas and stay inside it,
/// colour-shape pairs are distinct within a scene, held-out pairs follow the policy.
/// </summary>
public sealed class SceneGenerator
{
    private const int MaxAttempts = 30;
    private readonly WorldOptions _options;

    public SceneGenerator(WorldOptions options)
    {
        _options = options.Validate();
    }

    /// <summary>A retrieval clip: 1 or 2 events in sequence ("A, then B").</summary>
    /// <param name="requireReversible">Only clips that look different backwards: their reversed events differ
    /// from their events (so "grows, then shrinks" or "moves left, then right" are drawn again).</param>
    public Scene Retrieval(DeterministicRandom rng, HeldOutPolicy heldOut, bool requireReversible = false)
    {
        for (int attempt = 0; ; attempt++)
        {
            var scene = DrawRetrieval(rng, heldOut, requireReversible);
            if (!requireReversible || attempt == MaxAttempts || !IsPalindrome(scene))
            {
                return scene;
            }
        }
    }

    /// <summary>Whether the scene's reversed events are its events (so captions cannot tell the twins apart).</summary>
    public static bool IsPalindrome(Scene scene)
    {
        var reversed = ClipReverser.Reverse(Clip.Forward(scene)).Events;
        for (int i = 0; i < scene.Events.Count; i++)
        {
            var (a, b) = (scene.Events[i], reversed[i]);
            if (a.ObjectIndex != b.ObjectIndex || a.Kind != b.Kind || a.Subject != b.Subject || a.ToColor != b.ToColor)
            {
                return false;
            }
        }

        return true;
    }

    private Scene DrawRetrieval(DeterministicRandom rng, HeldOutPolicy heldOut, bool requireReversible)
    {
        int events = rng.Chance(_options.TwoEventShare) ? 2 : 1;
        return Generate(rng, new SceneRequest
        {
            MinSeconds = _options.ClipMinSeconds,
            MaxSeconds = _options.ClipMaxSeconds,
            MinEvents = events,
            MaxEvents = events,
            HeldOut = heldOut,
            RequireReversible = requireReversible,
        });
    }

    /// <summary>An action clip: a single event of the given kind.</summary>
    public Scene Action(DeterministicRandom rng, EventKind kind, HeldOutPolicy heldOut) => Generate(rng, new SceneRequest
    {
        MinSeconds = _options.ClipMinSeconds,
        MaxSeconds = _options.ClipMaxSeconds,
        MinEvents = 1,
        MaxEvents = 1,
        Kind = kind,
        HeldOut = heldOut,
    });

    /// <summary>A localization clip: a long clip with several separated events.</summary>
    public Scene Localization(DeterministicRandom rng, HeldOutPolicy heldOut) => Generate(rng, new SceneRequest
    {
        MinSeconds = _options.LocalizationMinSeconds,
        MaxSeconds = _options.LocalizationMaxSeconds,
        MinEvents = _options.LocalizationMinEvents,
        MaxEvents = _options.LocalizationMaxEvents,
        HeldOut = heldOut,
        Spread = true,
    });

    /// <summary>A single still frame of 1-3 visible objects (static pretraining pairs).</summary>
    public Scene Still(DeterministicRandom rng, HeldOutPolicy heldOut)
    {
        int canvas = _options.CanvasSize;
        var background = DrawBackground(rng);
        var used = new HashSet<(ObjectColor, Shape)>();
        var objects = new List<SceneObject>();
        var boxes = new List<Box>();
        int count = rng.Range(_options.MinObjects, _options.MaxObjects);
        if (heldOut == HeldOutPolicy.Require)
        {
            var (c, s) = rng.Pick(Vocabulary.HeldOutPairs);
            used.Add((c, s));
            var look = new ObjectLook(s, c, rng.Chance(0.5) ? ObjectSize.Small : ObjectSize.Large);
            Place(rng, look, boxes, objects, canvas, force: true);
            count--;
        }

        for (int i = 0; i < count; i++)
        {
            var look = DrawLook(rng, used, heldOut == HeldOutPolicy.Forbid, null);
            Place(rng, look, boxes, objects, canvas, force: objects.Count == 0);
        }

        return new Scene(canvas, _options.Fps, 1, background, objects, [], _options.JitterPixels, rng.NextUInt64(), _options.SmallSizeFraction);
    }

    public Scene Generate(DeterministicRandom rng, SceneRequest request)
    {
        Scene? last = null;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (scene, clean) = TryGenerate(rng, request);
            if (clean)
            {
                return scene;
            }

            last = scene;
        }

        return last!;
    }

    private (Scene Scene, bool Clean) TryGenerate(DeterministicRandom rng, SceneRequest request)
    {
        int canvas = _options.CanvasSize;
        int fps = _options.Fps;
        int frames = rng.Range((int)Math.Ceiling(request.MinSeconds * fps), Math.Max((int)Math.Ceiling(request.MinSeconds * fps), (int)Math.Floor(request.MaxSeconds * fps)));
        int eventCount = rng.Range(request.MinEvents, request.MaxEvents);
        var intervals = DrawIntervals(rng, frames, eventCount, request.Spread);
        eventCount = intervals.Count;

        int objectCount = rng.Range(_options.MinObjects, _options.MaxObjects);
        var eventObjects = new int[eventCount];
        if (request.Spread)
        {
            int actors = rng.Range(1, Math.Min(objectCount, eventCount));
            for (int i = 0; i < eventCount; i++)
            {
                eventObjects[i] = i < actors ? i : rng.Next(actors);
            }
        }
        else
        {
            for (int i = 1; i < eventCount; i++)
            {
                eventObjects[i] = rng.Chance(_options.SameObjectShare) || _options.MaxObjects == 1 ? eventObjects[i - 1] : Math.Min(i, eventObjects.Max() + 1);
            }
        }

        int actorCount = eventObjects.Length == 0 ? 0 : eventObjects.Max() + 1;
        objectCount = Math.Max(objectCount, actorCount);
        var used = new HashSet<(ObjectColor, Shape)>();
        var drafts = new Draft?[actorCount];
        var events = new List<SceneEvent>();
        bool forbid = request.HeldOut == HeldOutPolicy.Forbid;
        for (int i = 0; i < eventCount; i++)
        {
            int o = eventObjects[i];
            var kinds = CandidateKinds(rng, request, events);
            SceneEvent? made = null;
            foreach (var kind in kinds)
            {
                double start = intervals[i].Start / (double)fps;
                double end = intervals[i].End / (double)fps;
                if (drafts[o] is null)
                {
                    bool requireHeldOut = request.HeldOut == HeldOutPolicy.Require && i == 0;
                    var draft = NewActor(rng, kind, used, forbid, requireHeldOut, canvas);
                    if (draft is null)
                    {
                        continue;
                    }

                    drafts[o] = draft;
                }

                made = TryEvent(rng, drafts[o]!, o, kind, start, end, used, forbid, canvas);
                if (made is not null)
                {
                    break;
                }
            }

            events.Add(made ?? throw new InvalidOperationException("no feasible event (stay is always feasible)"));
        }

        var objects = new List<SceneObject>();
        var boxes = new List<Box>();
        bool clean = true;
        foreach (var draft in drafts)
        {
            var d = draft!;
            objects.Add(new SceneObject(d.InitialLook, d.X0, d.Y0, d.InitiallyVisible));
            var box = d.Swept(Side(ObjectSize.Large, canvas) / 2 + _options.JitterPixels);
            clean &= boxes.All(b => !b.Overlaps(box));
            boxes.Add(box);
        }

        for (int i = actorCount; i < objectCount; i++)
        {
            var look = DrawLook(rng, used, forbid, null);
            Place(rng, look, boxes, objects, canvas, force: false);
        }

        return (new Scene(canvas, fps, frames, DrawBackground(rng), objects, events, _options.JitterPixels, rng.NextUInt64(), _options.SmallSizeFraction), clean);
    }

    private List<EventKind> CandidateKinds(DeterministicRandom rng, SceneRequest request, List<SceneEvent> previous)
    {
        if (request.Kind is EventKind forced)
        {
            return [forced];
        }

        var kinds = Vocabulary.EventKinds.ToList();
        rng.Shuffle(kinds);
        bool needReversible = request.RequireReversible && previous.All(e => e.Kind == EventKind.Stay);
        if (request.Spread || needReversible)
        {
            // "Stay" only as a last resort: it cannot be located in time and reversal does not change it.
            kinds.Remove(EventKind.Stay);
            kinds.Add(EventKind.Stay);
        }

        return kinds;
    }

    private List<(int Start, int End)> DrawIntervals(DeterministicRandom rng, int frames, int count, bool spread)
    {
        int fps = _options.Fps;
        int minLength = spread ? fps : (int)Math.Ceiling(_options.MinEventSeconds * fps);
        int minGap = spread ? Math.Max(1, fps / 2) : 0;
        while (count > 1 && (count * minLength) + ((count - 1) * minGap) > frames)
        {
            count--;
        }

        int maxLength = spread ? 3 * fps : frames;
        maxLength = Math.Min(maxLength, (frames - ((count - 1) * minGap)) / count);
        maxLength = Math.Max(maxLength, Math.Min(minLength, frames));
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            lengths[i] = rng.Range(Math.Min(minLength, maxLength), maxLength);
        }

        int slack = frames - lengths.Sum() - ((count - 1) * minGap);
        var weights = new double[count + 1];
        for (int i = 0; i <= count; i++)
        {
            weights[i] = rng.NextDouble() + 0.05;
        }

        double total = weights.Sum();
        var gaps = new int[count + 1];
        int given = 0;
        for (int i = 0; i < count; i++)
        {
            gaps[i] = (int)Math.Floor(slack * weights[i] / total);
            given += gaps[i];
        }

        gaps[count] = slack - given;
        var result = new List<(int, int)>(count);
        int t = gaps[0];
        for (int i = 0; i < count; i++)
        {
            result.Add((t, t + lengths[i]));
            t += lengths[i] + minGap + gaps[i + 1];
        }

        return result;
    }

    private Draft? NewActor(DeterministicRandom rng, EventKind kind, HashSet<(ObjectColor, Shape)> used, bool forbid, bool requireHeldOut, int canvas)
    {
        ObjectSize? size = kind switch
        {
            EventKind.Grow => ObjectSize.Small,
            EventKind.Shrink => ObjectSize.Large,
            _ => null,
        };
        ObjectLook look;
        if (requireHeldOut)
        {
            var candidates = Vocabulary.HeldOutPairs.Where(p => !used.Contains(p)).ToList();
            var (c, s) = rng.Pick(candidates);
            look = new ObjectLook(s, c, size ?? (rng.Chance(0.5) ? ObjectSize.Small : ObjectSize.Large));
            used.Add((c, s));
        }
        else
        {
            look = DrawLook(rng, used, forbid, size);
        }

        // Margins leave room for the largest size the object may reach, plus jitter.
        double margin = (Side(ObjectSize.Large, canvas) / 2) + _options.JitterPixels + 1;
        double lo = margin, hi = canvas - margin;
        double x = rng.Uniform(lo, hi), y = rng.Uniform(lo, hi);
        if (kind.IsMove())
        {
            double d = MoveDistance(rng, hi - lo, canvas);
            switch (kind)
            {
                case EventKind.MoveLeft: x = rng.Uniform(lo + d, hi); break;
                case EventKind.MoveRight: x = rng.Uniform(lo, hi - d); break;
                case EventKind.MoveUp: y = rng.Uniform(lo + d, hi); break;
                case EventKind.MoveDown: y = rng.Uniform(lo, hi - d); break;
            }
        }

        return new Draft(look, Math.Round(x, 2), Math.Round(y, 2), kind != EventKind.Appear, margin, canvas);
    }

    private double MoveDistance(DeterministicRandom rng, double room, int canvas)
    {
        double min = _options.MinMoveFraction * canvas;
        double max = Math.Min(_options.MaxMoveFraction * canvas, room);
        return Math.Round(rng.Uniform(min, Math.Max(min, max)), 2);
    }

    private SceneEvent? TryEvent(DeterministicRandom rng, Draft d, int objectIndex, EventKind kind, double start, double end,
        HashSet<(ObjectColor, Shape)> used, bool forbid, int canvas)
    {
        if (!d.Visible)
        {
            if (kind != EventKind.Appear)
            {
                return null;
            }
        }
        else if (kind == EventKind.Appear)
        {
            return null;
        }

        var subject = d.Look;
        double minMove = _options.MinMoveFraction * canvas;
        double lo = d.Margin, hi = canvas - d.Margin;
        switch (kind)
        {
            case EventKind.MoveLeft or EventKind.MoveRight or EventKind.MoveUp or EventKind.MoveDown:
            {
                double room = kind switch
                {
                    EventKind.MoveLeft => d.X - lo,
                    EventKind.MoveRight => hi - d.X,
                    EventKind.MoveUp => d.Y - lo,
                    _ => hi - d.Y,
                };
                if (room < minMove)
                {
                    return null;
                }

                double dist = MoveDistance(rng, room, canvas);
                double dx = kind == EventKind.MoveLeft ? -dist : kind == EventKind.MoveRight ? dist : 0;
                double dy = kind == EventKind.MoveUp ? -dist : kind == EventKind.MoveDown ? dist : 0;
                d.X += dx;
                d.Y += dy;
                d.Track();
                return new SceneEvent(objectIndex, kind, start, end, subject, null, dx, dy);
            }

            case EventKind.Grow when d.Look.Size == ObjectSize.Small:
                d.Look = d.Look with { Size = ObjectSize.Large };
                return new SceneEvent(objectIndex, kind, start, end, subject);
            case EventKind.Shrink when d.Look.Size == ObjectSize.Large:
                d.Look = d.Look with { Size = ObjectSize.Small };
                return new SceneEvent(objectIndex, kind, start, end, subject);
            case EventKind.Grow or EventKind.Shrink:
                return null;
            case EventKind.Appear:
                d.Visible = true;
                return new SceneEvent(objectIndex, kind, start, end, subject);
            case EventKind.Disappear:
                d.Visible = false;
                return new SceneEvent(objectIndex, kind, start, end, subject);
            case EventKind.ChangeColor:
            {
                var targets = Vocabulary.Colors
                    .Where(c => c != d.Look.Color && !used.Contains((c, d.Look.Shape)) && !(forbid && Vocabulary.IsHeldOut(c, d.Look.Shape)))
                    .ToList();
                if (targets.Count == 0)
                {
                    return null;
                }

                var to = rng.Pick(targets);
                used.Add((to, d.Look.Shape));
                d.Look = d.Look with { Color = to };
                return new SceneEvent(objectIndex, kind, start, end, subject, to);
            }

            default:
                return new SceneEvent(objectIndex, EventKind.Stay, start, end, subject);
        }
    }

    private static ObjectLook DrawLook(DeterministicRandom rng, HashSet<(ObjectColor, Shape)> used, bool forbid, ObjectSize? size)
    {
        var pairs = new List<(ObjectColor, Shape)>();
        foreach (var shape in Vocabulary.Shapes)
        {
            foreach (var color in Vocabulary.Colors)
            {
                if (!used.Contains((color, shape)) && !(forbid && Vocabulary.IsHeldOut(color, shape)))
                {
                    pairs.Add((color, shape));
                }
            }
        }

        var (c, s) = rng.Pick(pairs);
        used.Add((c, s));
        return new ObjectLook(s, c, size ?? (rng.Chance(0.5) ? ObjectSize.Small : ObjectSize.Large));
    }

    private void Place(DeterministicRandom rng, ObjectLook look, List<Box> boxes, List<SceneObject> objects, int canvas, bool force)
    {
        double half = (Side(look.Size, canvas) / 2) + _options.JitterPixels + 1;
        for (int attempt = 0; attempt < 40; attempt++)
        {
            double x = Math.Round(rng.Uniform(half, canvas - half), 2);
            double y = Math.Round(rng.Uniform(half, canvas - half), 2);
            var box = new Box(x - half, y - half, x + half, y + half);
            if (boxes.All(b => !b.Overlaps(box)) || (force && attempt == 39))
            {
                boxes.Add(box);
                objects.Add(new SceneObject(look, x, y));
                return;
            }
        }
    }

    private double Side(ObjectSize size, int canvas) => canvas * _options.SmallSizeFraction * (size == ObjectSize.Large ? 2 : 1);

    private static Background DrawBackground(DeterministicRandom rng)
    {
        var kind = (BackgroundKind)rng.Next(4);
        Rgb Muted(int lo, int hi) => new((byte)rng.Range(lo, hi), (byte)rng.Range(lo, hi), (byte)rng.Range(lo, hi));
        return kind switch
        {
            BackgroundKind.Black => Background.Black,
            BackgroundKind.Gray => new Background(kind, new Rgb(128, 128, 128), new Rgb(128, 128, 128)),
            BackgroundKind.Gradient => new Background(kind, Muted(10, 110), Muted(10, 110), Math.Round(rng.Uniform(0, 2 * Math.PI), 4)),
            _ => new Background(kind, Muted(35, 95), Muted(35, 95), 0, 12, rng.NextUInt64()),
        };
    }

    private readonly record struct Box(double X0, double Y0, double X1, double Y1)
    {
        public bool Overlaps(Box o) => X0 < o.X1 && o.X0 < X1 && Y0 < o.Y1 && o.Y0 < Y1;
    }

    private sealed class Draft
    {
        private double _minX, _maxX, _minY, _maxY;

        public Draft(ObjectLook look, double x, double y, bool visible, double margin, int canvas)
        {
            InitialLook = Look = look;
            X0 = X = x;
            Y0 = Y = y;
            InitiallyVisible = Visible = visible;
            Margin = margin;
            _minX = _maxX = x;
            _minY = _maxY = y;
        }

        public ObjectLook InitialLook { get; }

        public ObjectLook Look { get; set; }

        public double X0 { get; }

        public double Y0 { get; }

        public double X { get; set; }

        public double Y { get; set; }

        public bool InitiallyVisible { get; }

        public bool Visible { get; set; }

        public double Margin { get; }

        public void Track()
        {
            _minX = Math.Min(_minX, X);
            _maxX = Math.Max(_maxX, X);
            _minY = Math.Min(_minY, Y);
            _maxY = Math.Max(_maxY, Y);
        }

        public Box Swept(double half) => new(_minX - half, _minY - half, _maxX + half, _maxY + half);
    }
}

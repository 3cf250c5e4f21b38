using System.Globalization;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>Draws the outcomes of the last 24 hours as an inline SVG bar chart, one stacked bar per hour.</summary>
internal static class OutcomeChart
{
    private const int Hours = 24;
    private const int Width = 720;
    private const int Height = 180;
    private const int Bottom = 150;
    private const int Left = 36;

    public static Html Render(IReadOnlyList<WebhookDelivery> deliveries, DateTimeOffset now)
    {
        var start = new DateTimeOffset(now.UtcDateTime.Date.AddHours(now.UtcDateTime.Hour), TimeSpan.Zero).AddHours(-(Hours - 1));
        var buckets = new (int Ok, int Failed, int Pending)[Hours];
        foreach (var d in deliveries)
        {
            var index = (int)Math.Floor((d.CreatedAt - start).TotalHours);
            if (index < 0 || index >= Hours)
            {
                continue;
            }

            buckets[index] = d.Status switch
            {
                WebhookDeliveryStatus.Succeeded => buckets[index] with { Ok = buckets[index].Ok + 1 },
                WebhookDeliveryStatus.Failed => buckets[index] with { Failed = buckets[index].Failed + 1 },
                _ => buckets[index] with { Pending = buckets[index].Pending + 1 },
            };
        }

        var max = Math.Max(1, buckets.Max(b => b.Ok + b.Failed + b.Pending));
        var slot = (Width - Left - 8) / (double)Hours;
        var w = new HtmlWriter();
        var ok = buckets.Sum(b => b.Ok);
        var failed = buckets.Sum(b => b.Failed);
        var pending = buckets.Sum(b => b.Pending);
        w.W($"""
            <figure class="chart">
            <svg viewBox="0 0 {Width} {Height}" role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">
            <title id="chart-title">Delivery outcomes per hour, last 24 hours</title>
            <desc id="chart-desc">{ok} delivered, {failed} failed, {pending} pending or retrying. The busiest hour had {max}.</desc>
            <line class="axis" x1="{Left}" y1="{Bottom}" x2="{Width - 8}" y2="{Bottom}"></line>
            <text class="tick" x="{Left - 6}" y="{Bottom}" text-anchor="end">0</text>
            <text class="tick" x="{Left - 6}" y="{Bottom - 120 + 4}" text-anchor="end">{max}</text>
            """);
        for (var i = 0; i < Hours; i++)
        {
            var x = Left + (i * slot) + 2;
            var y = (double)Bottom;
            foreach (var (count, css) in new[] { (buckets[i].Ok, "ok"), (buckets[i].Failed, "bad"), (buckets[i].Pending, "warn") })
            {
                if (count == 0)
                {
                    continue;
                }

                var h = 120.0 * count / max;
                y -= h;
                w.W($"<rect class=\"{css}\" x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(slot - 4)}\" height=\"{F(h)}\"><title>{start.AddHours(i).ToString("HH:00", CultureInfo.InvariantCulture)} UTC: {count} {(css == "ok" ? "delivered" : css == "bad" ? "failed" : "pending")}</title></rect>");
            }

            if (i % 6 == 0)
            {
                w.W($"<text class=\"tick\" x=\"{F(x)}\" y=\"{Bottom + 16}\">{start.AddHours(i).ToString("HH:00", CultureInfo.InvariantCulture)}</text>");
            }
        }

        w.W($"""
            </svg>
            <figcaption><span class="key ok"></span> Delivered <span class="key bad"></span> Failed <span class="key warn"></span> Pending or retrying (hours in UTC)</figcaption>
            </figure>
            """);
        return w.ToHtml();
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}

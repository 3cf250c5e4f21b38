using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>Markup that is already safe to write as-is (produced by <see cref="HtmlWriter"/> or a literal).</summary>
internal readonly struct Html
{
    private Html(string value) => Value = value;

    /// <summary>Gets the markup.</summary>
    public string Value { get; }

    /// <summary>Wraps markup known to be safe (literals and output of <see cref="HtmlWriter"/> only; never user input).</summary>
    public static Html Raw(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>
/// Builds a page. Every interpolated value is HTML-encoded unless it is an <see cref="Html"/>, so user data cannot
/// become markup by accident: writing a value raw needs the explicit <see cref="Html.Raw"/>.
/// </summary>
internal sealed class HtmlWriter
{
    private readonly StringBuilder _builder = new(8192);

    /// <summary>Appends markup with encoded holes.</summary>
    public HtmlWriter W([InterpolatedStringHandlerArgument("")] ref Handler handler)
    {
        _ = handler;
        return this;
    }

    /// <summary>Appends encoded text.</summary>
    public HtmlWriter Text(string? text)
    {
        _builder.Append(HtmlEncoder.Default.Encode(text ?? string.Empty));
        return this;
    }

    /// <summary>Returns the markup written so far.</summary>
    public Html ToHtml() => Html.Raw(_builder.ToString());

    /// <inheritdoc />
    public override string ToString() => _builder.ToString();

    /// <summary>Encodes text for HTML content or a double-quoted attribute.</summary>
    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    /// <summary>The interpolation handler: literals are written as they are, holes are encoded.</summary>
    [InterpolatedStringHandler]
    internal readonly ref struct Handler
    {
        private readonly StringBuilder _builder;

        public Handler(int literalLength, int formattedCount, HtmlWriter writer)
        {
            _ = literalLength;
            _ = formattedCount;
            _builder = writer._builder;
        }

        public void AppendLiteral(string value) => _builder.Append(value);

        public void AppendFormatted(Html value) => _builder.Append(value.Value);

        public void AppendFormatted(string? value) => _builder.Append(Encode(value));

        public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

        public void AppendFormatted<T>(T value, string? format)
        {
            if (value is Html html)
            {
                _builder.Append(html.Value);
                return;
            }

            var text = value is IFormattable formattable ? formattable.ToString(format, CultureInfo.InvariantCulture) : value?.ToString();
            _builder.Append(Encode(text));
        }
    }
}

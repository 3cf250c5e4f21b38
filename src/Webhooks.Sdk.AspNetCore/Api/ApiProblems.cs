using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>A request the API refuses, turned into an RFC 9457 problem by <see cref="ApiProblems"/>.</summary>
internal sealed class ApiProblemException : Exception
{
    public ApiProblemException(int status, string type, string title, string detail, IDictionary<string, string[]>? errors = null)
        : base(detail)
    {
        Status = status;
        Type = type;
        Title = title;
        Errors = errors;
    }

    public ApiProblemException()
        : this(StatusCodes.Status400BadRequest, ApiProblems.Types.InvalidBody, "The request is invalid.", "The request is invalid.")
    {
    }

    public ApiProblemException(string message)
        : this(StatusCodes.Status400BadRequest, ApiProblems.Types.InvalidBody, "The request is invalid.", message)
    {
    }

    public ApiProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Type = ApiProblems.Types.InvalidBody;
        Title = "The request is invalid.";
    }

    public int Status { get; }

    public string Type { get; }

    public string Title { get; }

    public IDictionary<string, string[]>? Errors { get; }

    public static ApiProblemException Invalid(string field, string message)
        => new(StatusCodes.Status400BadRequest, ApiProblems.Types.Validation, "One or more fields are invalid.", $"{field}: {message}", new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The error shapes of the management API: every error is <c>application/problem+json</c>.</summary>
internal static partial class ApiProblems
{
    /// <summary>The <c>type</c> URIs; stable, documented in docs/management-api.md.</summary>
    public static class Types
    {
        public const string Validation = "urn:webhooks:problem:validation";
        public const string UrlRefused = "urn:webhooks:problem:url-refused";
        public const string InvalidBody = "urn:webhooks:problem:invalid-body";
        public const string UnsupportedMediaType = "urn:webhooks:problem:unsupported-media-type";
        public const string BodyTooLarge = "urn:webhooks:problem:body-too-large";
        public const string NotFound = "urn:webhooks:problem:not-found";
        public const string Conflict = "urn:webhooks:problem:conflict";
        public const string ConcurrencyConflict = "urn:webhooks:problem:concurrency-conflict";
        public const string PreconditionFailed = "urn:webhooks:problem:precondition-failed";
        public const string TenantLimit = "urn:webhooks:problem:tenant-limit";
    }

    public static IResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null)
        => TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = type,
            Title = title,
            Detail = detail,
            Extensions = extensions ?? new Dictionary<string, object?>(),
        });

    public static IResult From(ApiProblemException problem)
    {
        if (problem.Errors is { } errors)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = problem.Status,
                Type = problem.Type,
                Title = problem.Title,
                Detail = problem.Message,
            });
        }

        return Problem(problem.Status, problem.Type, problem.Title, problem.Message);
    }

    /// <summary>
    /// A validation failure of the library: 400 with <c>errors</c> naming every invalid field in the library's own words.
    /// When a URL was refused by the outbound address policy, the type says so and <c>rule</c> names the rule.
    /// </summary>
    public static IResult From(WebhookValidationException exception)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var group in exception.Errors.GroupBy(e => FieldName(e.Field), StringComparer.Ordinal))
        {
            errors[group.Key] = group.Select(e => e.Message).ToArray();
        }

        var rule = exception.Errors.Select(e => RefusedRule().Match(e.Message)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = rule is null ? Types.Validation : Types.UrlRefused,
            Title = rule is null ? "One or more fields are invalid." : "The URL was refused by the outbound address policy.",
            Detail = exception.Errors.Count == 0 ? exception.Message : string.Join("; ", exception.Errors.Select(e => $"{FieldName(e.Field)}: {e.Message}")),
        };
        if (rule is not null)
        {
            problem.Extensions["rule"] = rule;
        }

        return TypedResults.Problem(problem);
    }

    public static IResult From(WebhookUrlRefusedException exception) => Problem(
        StatusCodes.Status400BadRequest,
        Types.UrlRefused,
        "The URL was refused by the outbound address policy.",
        exception.Message,
        new Dictionary<string, object?> { ["rule"] = exception.Verdict?.Rule });

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, Types.NotFound, "Not found.", detail);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, Types.Conflict, "The request conflicts with the current state.", detail);

    /// <summary>
    /// The library's field name as the JSON body spells it: each segment camel-cased (<c>RateLimit.PerSecond</c> becomes
    /// <c>rateLimit.perSecond</c>), bracketed keys kept as they are (<c>Headers[X-Api-Key]</c> becomes <c>headers[X-Api-Key]</c>).
    /// </summary>
    public static string FieldName(string field)
    {
        if (string.IsNullOrEmpty(field))
        {
            return field;
        }

        var chars = field.ToCharArray();
        var depth = 0;
        var start = true;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            else if (depth == 0 && c == '.')
            {
                start = true;
                continue;
            }
            else if (depth == 0 && start)
            {
                chars[i] = char.ToLowerInvariant(c);
            }

            start = false;
        }

        return new string(chars);
    }

    [GeneratedRegex("refused by rule '([^']+)'")]
    private static partial Regex RefusedRule();
}

namespace Webhooks.Sdk;

/// <summary>Tenancy: every destination belongs to a tenant (an account id).</summary>
public static class WebhookTenant
{
    /// <summary>The tenant used when the host has none: <c>default</c>.</summary>
    public const string Default = "default";

    internal static string Validate(string tenantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (tenantId.Length > 128)
        {
            throw new ArgumentException("A tenant id is at most 128 characters long.", nameof(tenantId));
        }

        return tenantId;
    }
}

using Npgsql;
using NpgsqlTypes;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>
/// The queue's two hot writes, each one statement and one round trip however many rows it carries:
/// <list type="bullet">
/// <item>Enqueues by concurrent publishers share a commit (group commit): while one group is being written, the next
/// ones wait and are then written together, in one implicit transaction. Each caller still returns only once its own
/// event and deliveries are committed; an idle store writes a lone enqueue at once.</item>
/// <item>A completion batch (attempt rows and new states) is one <c>UPDATE … FROM unnest(…)</c>.</item>
/// </list>
/// </summary>
public sealed partial class PostgreSqlWebhookStore
{
    /// <summary>The most enqueues written in one group.</summary>
    internal const int MaxEnqueueGroup = 256;

    /// <summary>The most deliveries in one group (a fan-out larger than this is written alone).</summary>
    internal const int MaxEnqueueGroupDeliveries = 4096;

    private readonly Lock _groupGate = new();
    private readonly List<PendingEnqueue> _waitingEnqueues = [];
    private bool _groupWriting;
    private long _enqueueGroups;

    /// <summary>
    /// Runs first in a completion batch's implicit transaction: the batch's rows are looked up one by one by their key
    /// (a hash join over a scan of the table, which the planner picks for a young table or a generic plan, costs a
    /// pass over every delivery per batch); with <see cref="PostgreSqlWebhookStoreOptions.RelaxedQueueCommits"/>, the
    /// commit does not wait for the log flush.
    /// </summary>
    private string CompletionPrefix => field ??= "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
        + (_dialect.LeaseCommitPrefix.Length > 0 ? ", set_config('synchronous_commit', 'off', true);\n" : ";\n");

    /// <summary>Gets how many enqueue groups (commits) were written, for tests.</summary>
    internal long EnqueueGroups => Interlocked.Read(ref _enqueueGroups);

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        if (completions.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<bool>>([]);
        }

        // Two completions of one delivery in a batch keep their one-after-the-other meaning (the second finds the lease
        // released) only when written one by one.
        var seen = new HashSet<(string, string)>();
        foreach (var completion in completions)
        {
            ArgumentNullException.ThrowIfNull(completion);
            if (!seen.Add((completion.TenantId, completion.DeliveryId)))
            {
                return InTransactionAsync((c, tx) => _queue.CompleteAsync(c, tx, completions, cancellationToken), cancellationToken);
            }
        }

        return RunAsync(c => CompleteInOneStatementAsync(c, completions, cancellationToken), cancellationToken);
    }

    private async Task<IReadOnlyList<bool>> CompleteInOneStatementAsync(NpgsqlConnection c, IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
    {
        var n = completions.Count;
        var attempts = 0;
        for (var i = 0; i < n; i++)
        {
            attempts += completions[i].Attempt is null ? 0 : 1;
        }

        var t = new string[n];
        var d = new string[n];
        var token = new string[n];
        var status = new short[n];
        var pending = new bool[n];
        var due = new DateTimeOffset[n];
        var completed = new DateTimeOffset?[n];
        var has = new bool[n];
        var number = new int[n];
        var code = new int?[n];
        var error = new string?[n];
        var at = new string[attempts];
        var ad = new string[attempts];
        var an = new int[attempts];
        var astart = new DateTimeOffset[attempts];
        var adur = new long[attempts];
        var acode = new int?[attempts];
        var aok = new bool[attempts];
        var aerr = new string?[attempts];
        var aexcerpt = new string?[attempts];
        for (int i = 0, j = 0; i < n; i++)
        {
            var x = completions[i];
            t[i] = x.TenantId;
            d[i] = x.DeliveryId;
            token[i] = x.LeaseToken;
            status[i] = (short)x.Status;
            pending[i] = x.Status == WebhookDeliveryStatus.Pending;
            due[i] = x.DueAt.ToUniversalTime();
            completed[i] = x.CompletedAt?.ToUniversalTime();
            if (x.Attempt is { } a)
            {
                has[i] = true;
                number[i] = a.Number;
                code[i] = a.StatusCode;
                error[i] = a.Error;
                at[j] = x.TenantId;
                ad[j] = x.DeliveryId;
                an[j] = a.Number;
                astart[j] = a.StartedAt.ToUniversalTime();
                adur[j] = a.Duration.Ticks;
                acode[j] = a.StatusCode;
                aok[j] = a.Success;
                aerr[j] = a.Error;
                aexcerpt[j] = a.ResponseExcerpt;
                j++;
            }
        }

        // The attempts go in whether or not the lease still holds (a stale completion's attempt is still history), as
        // the one-by-one path does; the states change only under their lease token. A token is only ever set on a
        // pending delivery and every state change clears it, so the token alone says the delivery is still pending:
        // the statement leaves out "status = 0", which would let the planner scan every pending row (when its
        // statistics think there are few) instead of looking each delivery up by its key.
        await using var cmd = Command(
            c,
            null,
            $"""
            {CompletionPrefix}WITH ins AS (
              INSERT INTO {_s}.attempts ({Relational.RelationalRows.AttemptColumns})
              SELECT a.t, a.d, a.n, a.st, a.du, a.co, a.ok, a.er, a.ex
              FROM unnest(@at, @ad, @an, @ast, @adu, @aco, @aok, @aer, @aex) WITH ORDINALITY AS a(t, d, n, st, du, co, ok, er, ex, ord)
              WHERE EXISTS (SELECT 1 FROM {_s}.deliveries e WHERE e.tenant_id = a.t AND e.id = a.d)
              ORDER BY a.ord)
            UPDATE {_s}.deliveries dl SET
              status = x.st,
              due_at = CASE WHEN x.pe THEN x.du ELSE dl.due_at END,
              ready_at = CASE WHEN x.pe THEN x.du ELSE dl.ready_at END,
              completed_at = CASE WHEN x.pe THEN NULL ELSE x.co END,
              attempt_count = CASE WHEN x.ha THEN GREATEST(dl.attempt_count, x.n) ELSE dl.attempt_count END,
              last_status_code = CASE WHEN x.ha THEN x.code ELSE dl.last_status_code END,
              last_error = CASE WHEN x.ha THEN x.er ELSE dl.last_error END,
              lease_token = NULL, lease_expires_at = NULL
            FROM unnest(@t, @d, @token, @st, @pe, @du, @co, @ha, @n, @code, @er) WITH ORDINALITY AS x(t, d, token, st, pe, du, co, ha, n, code, er, ord)
            WHERE dl.tenant_id = x.t AND dl.id = x.d AND dl.lease_token = x.token
            RETURNING x.ord;
            """);
        Add(cmd, "at", NpgsqlDbType.Array | NpgsqlDbType.Text, at);
        Add(cmd, "ad", NpgsqlDbType.Array | NpgsqlDbType.Text, ad);
        Add(cmd, "an", NpgsqlDbType.Array | NpgsqlDbType.Integer, an);
        Add(cmd, "ast", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, astart);
        Add(cmd, "adu", NpgsqlDbType.Array | NpgsqlDbType.Bigint, adur);
        Add(cmd, "aco", NpgsqlDbType.Array | NpgsqlDbType.Integer, acode);
        Add(cmd, "aok", NpgsqlDbType.Array | NpgsqlDbType.Boolean, aok);
        Add(cmd, "aer", NpgsqlDbType.Array | NpgsqlDbType.Text, aerr);
        Add(cmd, "aex", NpgsqlDbType.Array | NpgsqlDbType.Text, aexcerpt);
        Add(cmd, "t", NpgsqlDbType.Array | NpgsqlDbType.Text, t);
        Add(cmd, "d", NpgsqlDbType.Array | NpgsqlDbType.Text, d);
        Add(cmd, "token", NpgsqlDbType.Array | NpgsqlDbType.Text, token);
        Add(cmd, "st", NpgsqlDbType.Array | NpgsqlDbType.Smallint, status);
        Add(cmd, "pe", NpgsqlDbType.Array | NpgsqlDbType.Boolean, pending);
        Add(cmd, "du", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, due);
        Add(cmd, "co", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, completed);
        Add(cmd, "ha", NpgsqlDbType.Array | NpgsqlDbType.Boolean, has);
        Add(cmd, "n", NpgsqlDbType.Array | NpgsqlDbType.Integer, number);
        Add(cmd, "code", NpgsqlDbType.Array | NpgsqlDbType.Integer, code);
        Add(cmd, "er", NpgsqlDbType.Array | NpgsqlDbType.Text, error);

        var results = new bool[n];
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await r.NextResultAsync(cancellationToken).ConfigureAwait(false);

        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            results[r.GetInt64(0) - 1] = true;
        }

        return results;
    }

    /// <summary>
    /// Writes an enqueue in the store's own transaction, grouped with the enqueues of other publishers that arrive
    /// while the previous group is being written.
    /// </summary>
    private Task EnqueueGroupedAsync(EnqueueBatch batch, EnqueueLease? lease, bool[]? leased, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingEnqueue(batch, lease, leased, cancellationToken);
        bool lead;
        lock (_groupGate)
        {
            _waitingEnqueues.Add(pending);
            lead = !_groupWriting;
            _groupWriting = true;
        }

        if (lead)
        {
            _ = WriteGroupsAsync();
        }

        return pending.Completion.Task;
    }

    /// <summary>Writes the waiting enqueues, group after group, until none waits.</summary>
    private async Task WriteGroupsAsync()
    {
        while (true)
        {
            List<PendingEnqueue> group;
            lock (_groupGate)
            {
                if (_waitingEnqueues.Count == 0)
                {
                    _groupWriting = false;
                    return;
                }

                group = TakeGroup();
            }

            await WriteGroupAsync(group).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the oldest waiting enqueues up to the group limits (always at least one). Called under the gate.</summary>
    private List<PendingEnqueue> TakeGroup()
    {
        var take = 0;
        var deliveries = 0;
        while (take < _waitingEnqueues.Count && take < MaxEnqueueGroup)
        {
            var count = _waitingEnqueues[take].Batch.Deliveries.Count;
            if (take > 0 && deliveries + count > MaxEnqueueGroupDeliveries)
            {
                break;
            }

            deliveries += count;
            take++;
        }

        var group = _waitingEnqueues.GetRange(0, take);
        _waitingEnqueues.RemoveRange(0, take);
        return group;
    }

    private async Task WriteGroupAsync(List<PendingEnqueue> group)
    {
        // A caller that gave up before its group was written is not written.
        group.RemoveAll(p => p.CancellationToken.IsCancellationRequested && p.Completion.TrySetCanceled(p.CancellationToken));
        if (group.Count == 0)
        {
            return;
        }

        try
        {
            await WriteAsync(group).ConfigureAwait(false);
            Complete(group, null);
        }
        catch (Exception ex) when (group.Count > 1 && !IsConnectionFailure(ex))
        {
            // One bad enqueue must not fail the others: write each alone, so each caller gets its own outcome.
            foreach (var one in group)
            {
                try
                {
                    await WriteAsync([one]).ConfigureAwait(false);
                    Complete([one], null);
                }
#pragma warning disable CA1031 // Handed to the caller whose enqueue failed.
                catch (Exception single)
#pragma warning restore CA1031
                {
                    Complete([one], single);
                }
            }
        }
#pragma warning disable CA1031 // Handed to every caller of the group.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Complete(group, ex);
        }
    }

    private async Task WriteAsync(IReadOnlyList<PendingEnqueue> group)
    {
        await RunAsync(
            async c =>
            {
                await using var cmd = EnqueueCommand(c, null, group, notify: false);
                return await cmd.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            },
            CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref _enqueueGroups);
    }

    private void Complete(IReadOnlyList<PendingEnqueue> group, Exception? error)
    {
        var wake = false;
        foreach (var p in group)
        {
            wake |= p.Leased is null || Array.IndexOf(p.Leased, false) >= 0;
        }

        // NOTIFY in the enqueue's own transaction would serialize every commit on PostgreSQL's notify queue lock; after
        // the commit, concurrent enqueues share one NOTIFY instead. Deliveries written leased go to this instance's
        // workers: when all are, no instance needs waking.
        if (error is null && wake)
        {
            RequestNotify();
        }

        foreach (var p in group)
        {
            if (error is null)
            {
                p.Completion.TrySetResult();
            }
            else
            {
                p.Completion.TrySetException(error);
            }
        }
    }

    /// <summary>One publisher's enqueue waiting for its group's commit.</summary>
    private sealed class PendingEnqueue(EnqueueBatch batch, EnqueueLease? lease, bool[]? leased, CancellationToken cancellationToken)
    {
        public EnqueueBatch Batch { get; } = batch;

        public EnqueueLease? Lease { get; } = lease;

        public bool[]? Leased { get; } = leased;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

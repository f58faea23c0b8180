"""The Transmisiones cases of ``bench_reports`` (docs/reports.md "Transmisiones"): a year of
broadcasts of the big workspace and their recipient rows (events / 10 of them), then the report's
endpoints against the SQL a BI tool would run on ``broadcasts_broadcastrecipient`` for the same
numbers, through the shared ``_time_cases`` loop."""

from datetime import timedelta

from django.db import connection
from django.test import Client

RECIPIENTS = "broadcasts_broadcastrecipient"
# One broadcast every three days over the year.
BROADCASTS = 120


def generate_broadcasts(cmd) -> int:
    """Broadcasts every ~3 days through the big workspace's channels, to distinct contacts, with
    the stages a channel reports: ~5 % skipped (no channel / opted out), ~3 % failed before the
    channel took them, ~1 % still queued, the rest sent over the minutes after the broadcast;
    of those ~85 % delivered, ~50 % read, ~10 % replied (within hours), ~2 % reported failed.
    Idempotent (a kept database with recipients already is left as it is). Returns the rows."""
    from broadcasts.models import Broadcast
    from integrations.models import Channel

    ws = cmd.workspace
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {RECIPIENTS} WHERE workspace_id = %s", [ws.pk])
        existing = cursor.fetchone()[0]
    if existing:
        return existing
    n = max(BROADCASTS, cmd.opts["events"] // 10)
    channel_ids = list(getattr(cmd, "channel_ids", None) or [])
    if not channel_ids:
        channel_ids = [Channel.objects.create(workspace=ws, name="Canal bench", secret_hash="-",
                                              secret_prefix="chs_bench").pk]
    every = timedelta(days=365) / BROADCASTS
    broadcasts = Broadcast.objects.bulk_create([
        Broadcast(workspace=ws, name=f"Transmisión {i}", channel_id=channel_ids[i % len(channel_ids)],
                  segment_name="Bench", text="Hola", status=Broadcast.Status.SENT,
                  created_at=cmd.start + every * i, started_at=cmd.start + every * i,
                  recipients_written_at=cmd.start + every * i, finished_at=cmd.start + every * i + timedelta(hours=1))
        for i in range(BROADCASTS)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM contacts_contact WHERE workspace_id = %s", [ws.pk])
        c_min, c_max = cursor.fetchone()
    cmd.log(f"broadcast recipients: {n} in {BROADCASTS} broadcasts ...")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {RECIPIENTS} (workspace_id, broadcast_id, contact_id, contact_name, status, reason, detail,
                                      message_id, attempts, queued_at, sent_at, delivered_at, read_at, replied_at,
                                      failed_at)
            SELECT %(ws)s, b.id, %(cmin)s + (k + b.rank * 101) %% %(span)s, 'Contacto', s.status,
                   s.reason, CASE WHEN s.reason IN ('channel_rejected', 'delivery_failed') THEN 'HTTP 422' ELSE '' END,
                   CASE WHEN s.sent THEN g END, 1, b.created_at, s.sent_at,
                   CASE WHEN s.delivered THEN s.sent_at + interval '5 seconds' END,
                   CASE WHEN s.read THEN s.sent_at + interval '3 minutes' END,
                   CASE WHEN s.replied THEN s.sent_at + interval '2 hours' END,
                   CASE WHEN s.status = 'failed' THEN coalesce(s.sent_at, b.created_at) + interval '1 second' END
            FROM (SELECT g, (g - 1) %% %(nb)s AS rank, (g - 1) / %(nb)s AS k, random() AS x FROM generate_series(1, %(n)s) g) r
            JOIN (SELECT id, created_at, row_number() OVER (ORDER BY id) - 1 AS rank FROM broadcasts_broadcast
                  WHERE id = ANY(%(ids)s)) b ON b.rank = r.rank
            CROSS JOIN LATERAL (SELECT
                CASE WHEN r.x < 0.05 THEN 'skipped' WHEN r.x < 0.08 THEN 'failed' WHEN r.x < 0.09 THEN 'queued'
                     WHEN r.x < 0.11 THEN 'failed' WHEN r.x < 0.21 THEN 'replied' WHEN r.x < 0.59 THEN 'read'
                     WHEN r.x < 0.94 THEN 'delivered' ELSE 'sent' END AS status,
                CASE WHEN r.x < 0.025 THEN 'no_channel' WHEN r.x < 0.05 THEN 'opted_out'
                     WHEN r.x < 0.07 THEN 'channel_rejected' WHEN r.x < 0.08 THEN 'channel_unreachable'
                     WHEN r.x >= 0.09 AND r.x < 0.11 THEN 'delivery_failed' ELSE '' END AS reason,
                r.x >= 0.09 AS sent,
                CASE WHEN r.x >= 0.09 THEN b.created_at + (r.k * interval '10 milliseconds') END AS sent_at,
                r.x >= 0.11 AND r.x < 0.94 AS delivered, r.x >= 0.11 AND r.x < 0.59 AS read,
                r.x >= 0.11 AND r.x < 0.21 AS replied) s
            """,
            {"ws": ws.pk, "cmin": c_min, "span": c_max - c_min + 1, "nb": BROADCASTS, "n": n,
             "ids": [b.pk for b in broadcasts]},
        )
        if not connection.in_atomic_block:
            cursor.execute(f"VACUUM ANALYZE {RECIPIENTS}")
    return n


COUNTS = {
    "recipients": "status <> 'skipped'",
    "sent": "sent_at IS NOT NULL",
    "delivered": "delivered_at IS NOT NULL OR read_at IS NOT NULL OR replied_at IS NOT NULL",
    "read": "read_at IS NOT NULL OR replied_at IS NOT NULL",
    "replied": "replied_at IS NOT NULL",
    "failed": "status = 'failed'",
    "skipped": "status = 'skipped'",
    "pending": "status IN ('queued', 'sending')",
}
COUNT_SQL = ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in COUNTS.values())
IN_PERIOD = ("workspace_id = %(ws)s AND ((sent_at >= %(s)s AND sent_at < %(e)s) "
             "OR (sent_at IS NULL AND queued_at >= %(s)s AND queued_at < %(e)s))")


def measure_broadcast_cases(cmd) -> dict:
    """Transmisiones: summary (cards, per broadcast, by reason, previous period), time series and
    the log's first page, next to the SQL for the same numbers."""
    wanted = [name for name in ("bcast_summary_30d", "bcast_summary_365d", "bcast_timeseries_365d", "bcast_log_first")
              if cmd.wanted(name)]
    if not wanted:
        return {}
    generate_broadcasts(cmd)
    ws = cmd.workspace
    owner = Client()
    owner.force_login(cmd.owner)
    p30, p365, r365 = cmd._periods()

    def params(period):
        return {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "tz": ws.timezone}

    def summary_sql(period):
        prev = period.previous()
        sql = (f"SELECT 'broadcast', broadcast_id, {COUNT_SQL} FROM {RECIPIENTS} WHERE {IN_PERIOD} "
               f"GROUP BY broadcast_id UNION ALL SELECT 'previous', NULL, {COUNT_SQL} FROM {RECIPIENTS} "
               f"WHERE {IN_PERIOD.replace('%(s)s', '%(ps)s').replace('%(e)s', '%(pe)s')} "
               f"UNION ALL SELECT 'reason:' || status || ':' || reason, NULL, count(*) {', NULL' * (len(COUNTS) - 1)} "
               f"FROM {RECIPIENTS} WHERE {IN_PERIOD} AND status IN ('failed', 'skipped') GROUP BY status, reason")
        return sql, {**params(period), "ps": prev.start_utc, "pe": prev.end_utc}

    def series_sql(period, unit):
        sql = (f"SELECT date_trunc('{unit}', coalesce(sent_at, queued_at) AT TIME ZONE %(tz)s) AS b, {COUNT_SQL} "
               f"FROM {RECIPIENTS} WHERE {IN_PERIOD} GROUP BY 1 ORDER BY 1")
        return sql, params(period)

    def log_sql(period):
        sql = (f"SELECT id, (SELECT count(*) FROM (SELECT 1 FROM {RECIPIENTS} WHERE {IN_PERIOD} LIMIT 10001) c) "
               f"FROM {RECIPIENTS} WHERE {IN_PERIOD} ORDER BY coalesce(sent_at, queued_at) DESC, id DESC LIMIT 50")
        return sql, params(period)

    keys = list(COUNTS)

    def agree(name, api, rows):
        if "log" in name:
            count = min(rows[0][1], 10_000) if rows else 0
            return api["count"] == count and [r["id"] for r in api["results"]] == [r[0] for r in rows]
        if "timeseries" in name:
            got = [tuple(b["counts"][k] for k in keys[:7]) for b in api["buckets"] if any(b["counts"].values())]
            return got == [tuple(r[1:8]) for r in rows]
        per_broadcast = {r[1]: list(r[2:]) for r in rows if r[0] == "broadcast"}
        previous = next((list(r[2:]) for r in rows if r[0] == "previous"), [0] * len(keys))
        reasons = sorted((r[0], r[2]) for r in rows if r[0].startswith("reason:"))
        return ({b["broadcast"]["id"]: [b["counts"][k] for k in keys] for b in api["broadcasts"]} == per_broadcast
                and [c["previous"] for c in api["counts"]] == previous
                and [c["value"] for c in api["counts"]] == [sum(v[i] for v in per_broadcast.values())
                                                            for i in range(len(keys))]
                and sorted((f"reason:{r['status']}:{r['reason']}", r["count"]) for r in api["reasons"]) == reasons)

    cases = {
        "bcast_summary_30d": (owner, "summary?period=last_30_days", summary_sql(p30)),
        "bcast_summary_365d": (owner, f"summary?{r365}", summary_sql(p365)),
        "bcast_timeseries_365d": (owner, f"timeseries?{r365}", series_sql(p365, "week")),
        "bcast_log_first": (owner, "log?period=last_30_days&page=1", log_sql(p30)),
    }
    return cmd._time_cases("/api/v1/reports/broadcasts/", cases, agree)

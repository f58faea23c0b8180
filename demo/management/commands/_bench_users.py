"""The Usuarios cases of ``bench_reports`` (docs/performance.md "Usuarios"): a year of status
changes of the big workspace's agents, then the report's endpoints against the SQL a BI tool
would run on ``presence_agentstatusevent`` for the same numbers, in the same run."""

from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

STATUSES = ["online", "away", "offline"]


def generate_status_history(cmd) -> int:
    """The Usuarios cases read the year of status changes ``generate_leaderboard`` bulk-loads
    (online ~09:00, away ~13:00, online ~14:00, offline ~18:00 local, every day, 200 agents):
    their instants rounded down to the second as ``agent_status_set`` stores them, each agent's
    current status row, then the day rollup counted by ``rollup_rebuild``."""
    from presence.rollups import rollup_rebuild

    ws = cmd.workspace
    with connection.cursor() as cursor:
        cursor.execute("UPDATE presence_agentstatusevent SET created_at = date_trunc('second', created_at) "
                       "WHERE workspace_id = %s", [ws.pk])
        cursor.execute(
            """INSERT INTO presence_agentstatus (workspace_id, user_id, status, source, changed_at, last_seen_at)
               SELECT DISTINCT ON (user_id) workspace_id, user_id, new_status, source, created_at, created_at
               FROM presence_agentstatusevent WHERE workspace_id = %s ORDER BY user_id, created_at DESC, id DESC
               ON CONFLICT DO NOTHING""",
            [ws.pk],
        )
        cursor.execute("SELECT count(*) FROM presence_agentstatusevent WHERE workspace_id = %s", [ws.pk])
        total = cursor.fetchone()[0]
    rollup_rebuild(workspace=ws)
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE presence_agentstatusevent")
            cursor.execute("VACUUM ANALYZE presence_agentstatusdailytotal")
    return total


# Time per member and status inside [s, e), clipped at now, from the events alone.
_INTERVALS = """
  WITH e AS (
    SELECT user_id, new_status, created_at,
           LEAD(created_at) OVER (PARTITION BY user_id ORDER BY created_at, id) AS next_at
    FROM presence_agentstatusevent WHERE workspace_id = %(ws)s AND created_at < LEAST(%(e)s, %(now)s)
  )"""


def _seconds_sql(start, end):
    return (f"SELECT user_id, new_status, SUM(EXTRACT(EPOCH FROM LEAST(COALESCE(next_at, %(now)s), {end}, %(now)s) "
            f"- GREATEST(created_at, {start}))) FROM e WHERE COALESCE(next_at, %(now)s) > {start} GROUP BY 1, 2")


def measure_user_cases(cmd, timer) -> dict:
    """users_summary_365d, users_timeseries_30d, users_timeline_30d: the API (full stack) and
    its raw SQL, with a check that both give the same numbers."""
    from reports.periods import report_period_resolve

    ws, repeat = cmd.workspace, cmd.opts["repeat"]
    owner = Client()
    owner.force_login(cmd.owner)  # a login event at now: an owner online since now (no time yet)
    now = cmd.now
    p30 = report_period_resolve(workspace=ws, period="last_30_days")
    today = p30.end
    p365 = report_period_resolve(workspace=ws, start=(today - timedelta(days=364)).isoformat(), end=today.isoformat())
    base = "/api/v1/reports/users/"

    def summary_sql(period):
        prev = period.previous()
        sql = (_INTERVALS + " SELECT 'now', * FROM (" + _seconds_sql("%(s)s", "%(e)s") + ") a UNION ALL "
               "SELECT 'prev', * FROM (" + _seconds_sql("%(ps)s", "%(pe)s") + ") b")
        return sql, {"ws": ws.pk, "s": period.start_utc, "e": period.end_utc, "ps": prev.start_utc, "pe": prev.end_utc,
                     "now": now}

    def series_sql(period):
        sql = (_INTERVALS + ", d AS (SELECT (g AT TIME ZONE %(tz)s) AS ds, ((g + interval '1 day') AT TIME ZONE %(tz)s) "
               "AS de FROM generate_series(%(d0)s::timestamp, %(d1)s::timestamp, interval '1 day') g) "
               ", i AS (SELECT * FROM e WHERE COALESCE(e.next_at, %(now)s) > %(s)s) "
               "SELECT d.ds, e.new_status, SUM(EXTRACT(EPOCH FROM LEAST(COALESCE(e.next_at, %(now)s), d.de, %(now)s) "
               "- GREATEST(e.created_at, d.ds))) FROM i e JOIN d ON e.created_at < d.de "
               "AND COALESCE(e.next_at, %(now)s) > d.ds AND d.ds < %(now)s GROUP BY 1, 2 ORDER BY 1")
        return sql, {"ws": ws.pk, "tz": ws.timezone, "d0": period.start, "d1": period.end, "s": period.start_utc,
                     "e": period.end_utc, "now": now}

    def timeline_sql(period):
        # Page 1: today's rows of the first 50 agents by name (with their segments of today), and
        # the number of rows (each agent's days from their first event's day).
        today_start = period.end_utc - timedelta(days=1)
        sql = ("WITH f AS (SELECT m.user_id, u.name, (SELECT min(x.created_at) FROM presence_agentstatusevent x "
               "WHERE x.workspace_id = %(ws)s AND x.user_id = m.user_id) AS first_at FROM accounts_membership m "
               "JOIN accounts_user u ON u.id = m.user_id WHERE m.workspace_id = %(ws)s), "
               "n AS (SELECT SUM(%(last)s::date - GREATEST((first_at AT TIME ZONE %(tz)s)::date, %(first)s::date) + 1) AS n "
               "FROM f WHERE first_at IS NOT NULL), "
               "p AS (SELECT * FROM f WHERE first_at IS NOT NULL ORDER BY lower(name) COLLATE \"C\", user_id LIMIT 50), "
               "e AS (SELECT x.user_id, x.new_status, x.created_at, LEAD(x.created_at) OVER (PARTITION BY x.user_id "
               "ORDER BY x.created_at, x.id) AS next_at FROM presence_agentstatusevent x JOIN p ON p.user_id = x.user_id "
               "WHERE x.workspace_id = %(ws)s AND x.created_at >= COALESCE((SELECT max(y.created_at) "
               "FROM presence_agentstatusevent y WHERE y.workspace_id = %(ws)s AND y.user_id = x.user_id "
               "AND y.created_at < %(ts)s), %(ts)s)) "
               "SELECT e.user_id, e.new_status, GREATEST(e.created_at, %(ts)s), LEAST(COALESCE(e.next_at, %(now)s), %(now)s), "
               "(SELECT n FROM n) FROM e WHERE COALESCE(e.next_at, %(now)s) > %(ts)s ORDER BY 1, 3")
        return sql, {"ws": ws.pk, "tz": ws.timezone, "ts": today_start, "now": now, "last": today,
                     "first": period.start}

    cases = {
        "users_summary_365d": (f"summary?start={p365.start}&end={p365.end}", summary_sql(p365)),
        "users_timeseries_30d": ("timeseries?period=last_30_days", series_sql(p30)),
        "users_timeline_30d": ("log?period=last_30_days&page=1", timeline_sql(p30)),
    }
    results = {}
    for name, (path, (sql, params)) in cases.items():
        def call(path=path, name=name):
            response = owner.get(base + path)
            if response.status_code != 200:
                raise CommandError(f"{name}: {response.status_code} {response.content[:300]!r}")
            return response.json()

        def raw(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, {**params, "now": timezone.now()})
                return cursor.fetchall()

        # The API clips at its own "now" and the SQL at the moment after it: open intervals may
        # differ by the seconds in between (at most a couple per agent), closed ones not at all.
        same = _agree(name, call(), raw(), slack=2 * (len(cmd.agents) + 1))
        median, p95 = timer(call, repeat)
        raw_median, _ = timer(raw, repeat)
        results[name] = {"median_ms": median, "p95_ms": p95, "raw_sql_ms": raw_median,
                         "ratio": round(median / raw_median, 3) if raw_median else None, "same_numbers": same}
        cmd.log(f"{name}: median {median} ms, p95 {p95} ms, raw SQL {raw_median} ms, same numbers: {same}")
    return results


def _close(a: int, b: int, slack: int) -> bool:
    return abs(a - b) <= slack


def _agree(name: str, api: dict, rows: list[tuple], slack: int) -> bool:
    if name == "users_summary_365d":
        raw = dict.fromkeys(STATUSES, 0)
        for kind, _user, status, seconds in rows:
            if kind == "now":
                raw[status] += int(seconds)
        return all(_close(f["value"], raw[f["status"]], slack) for f in api["statuses"])
    if name == "users_timeseries_30d":
        raw = {}
        for _day, status, seconds in rows:
            raw[status] = raw.get(status, 0) + int(seconds)
        api_sums = {s: sum(b[f"{s}_seconds"] for b in api["buckets"]) for s in ("online", "away", "offline")}
        return all(_close(api_sums[s], raw.get(s, 0), slack) for s in api_sums)
    # the timeline's first page: its count and the online seconds of its agents today
    count = rows[0][4] if rows else 0
    online = {}
    for user_id, status, a, b, _n in rows:
        if status == "online":
            online[user_id] = online.get(user_id, 0) + int((b - a).total_seconds())
    # (the rows of the newest day: with fewer than 50 agents the page goes on into the day before)
    newest = api["results"][0]["day"] if api["results"] else None
    page = {r["agent"]["id"]: r["online_seconds"] for r in api["results"] if r["day"] == newest}
    return api["count"] == min(int(count), 10_000) and all(_close(page[u], online.get(u, 0), 2) for u in page)

"""Reportes → Transmisiones (docs/reports.md "Transmisiones"): every number recomputed by hand.

Most tests write ``BroadcastRecipient`` rows directly (production code never does: only
``broadcasts.services`` does) so they can place each stage at an exact instant, e.g. on both
sides of a local midnight; ``test_a_broadcast_sent_through_the_real_job_is_in_the_report`` goes
through the real sending job and delivery callbacks instead.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from broadcasts.models import Broadcast, BroadcastRecipient
from integrations.services import channel_create
from reports.broadcasts_report import (
    FILTERS,
    broadcast_report_log_page,
    broadcast_report_summary,
    broadcast_report_timeseries,
    recipient_csv_rows,
    recipient_set,
)
from reports.framework.query import report_query_parse
from tests.factories import ContactFactory
from tests.reports.api_checks import assert_bad_request_names, assert_unauthenticated

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
SUMMARY = "/api/v1/reports/broadcasts/summary"
TIMESERIES = "/api/v1/reports/broadcasts/timeseries"
LOG = "/api/v1/reports/broadcasts/log"
URLS = (SUMMARY, TIMESERIES, LOG)
WEEK = {"start": "2026-11-18", "end": "2026-11-24"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 15, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def make_broadcast(workspace, channel, name, created):
    return Broadcast.objects.create(workspace=workspace, channel=channel, name=name, segment_name="VIP", text="Hola",
                                    status=Broadcast.Status.SENT, created_at=created, started_at=created,
                                    recipients_written_at=created, finished_at=created)


_contact_ids = iter(range(10_000, 99_999))


def rec(broadcast, status, queued, *, sent=None, delivered=None, read=None, replied=None, failed=None, reason="",
        detail="", name="Ana"):
    return BroadcastRecipient.objects.create(
        workspace=broadcast.workspace, broadcast=broadcast, contact_id=next(_contact_ids), contact_name=name,
        status=status, reason=reason, detail=detail, queued_at=queued, sent_at=sent, delivered_at=delivered,
        read_at=read, replied_at=replied, failed_at=failed,
        message_id=next(_contact_ids) if status not in ("skipped", "queued", "failed") else None)


@pytest.fixture
def data(workspace):
    """Three broadcasts around the week Wed 18 – Tue 24 Nov 2026 (Mexico City, UTC−6)."""
    web, _ = channel_create(workspace=workspace, name="Web")
    wa, _ = channel_create(workspace=workspace, name="WhatsApp")
    b0 = make_broadcast(workspace, wa, "Previa", at(17))
    b1 = make_broadcast(workspace, wa, "Promo", at(19))
    b2 = make_broadcast(workspace, web, "Aviso", at(21, 16))
    q1 = at(19)
    rows = {
        # B1, written Thu 19 Nov 09:00 local
        "replied": rec(b1, "replied", q1, sent=at(19, 15, 1), delivered=at(19, 15, 2), read=at(19, 15, 10),
                       replied=at(19, 15, 30)),
        "delivered": rec(b1, "delivered", q1, sent=at(19, 15, 1), delivered=at(19, 15, 3)),
        "read_only": rec(b1, "read", q1, sent=at(19, 15, 1), read=at(19, 16)),  # read never reported delivered
        "replied_only": rec(b1, "replied", q1, sent=at(19, 15, 1), replied=at(20)),  # counts on the 19th (sent)
        "delivery_failed": rec(b1, "failed", q1, sent=at(19, 15, 1), failed=at(19, 15, 5), reason="delivery_failed",
                               detail="HTTP 410"),
        "rejected": rec(b1, "failed", q1, failed=at(19, 15, 1), reason="channel_rejected", detail="HTTP 422"),
        "no_channel": rec(b1, "skipped", q1, reason="no_channel"),
        "opted_out": rec(b1, "skipped", q1, reason="opted_out"),
        "waiting": rec(b1, "queued", q1),
        # B0, written Tue 17 Nov: one sent exactly at 18 Nov 00:00 local (in), one at 17 Nov 23:59 (out)
        "midnight": rec(b0, "sent", at(17), sent=at(18, 6)),
        "before": rec(b0, "sent", at(17), sent=at(18, 5, 59)),
        "before_failed": rec(b0, "failed", at(17), failed=at(17, 15, 1), reason="channel_unreachable"),
        # B2 (Web), written Sat 21 Nov 10:00 local
        "web_delivered": rec(b2, "delivered", at(21, 16), sent=at(21, 16, 1), delivered=at(21, 16, 2)),
        "late": rec(b2, "sent", at(21, 16), sent=at(22, 5, 30)),  # 21 Nov 23:30 local
        "deleted": rec(b2, "failed", at(21, 16), failed=at(21, 16, 1), reason="contact_deleted", name="Borrado"),
    }
    return {"web": web, "wa": wa, "b0": b0, "b1": b1, "b2": b2, "rows": rows}


def owner(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def q(workspace, **params):
    params = {**WEEK, **params}
    return report_query_parse(filters=FILTERS, workspace=workspace, data=params)


def figures(summary):
    return {c.key: c.value for c in summary.counts}


def test_cards_funnel_and_rates_by_hand(workspace, data):
    summary = broadcast_report_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert summary.state == "ok"
    assert figures(summary) == {"recipients": 11, "sent": 8, "delivered": 5, "read": 3, "replied": 2, "failed": 3,
                                "skipped": 2, "pending": 1}
    rates = {c.key: (c.rate, c.rate_of) for c in summary.counts if c.rate_of}
    assert rates == {"sent": (72.73, "recipients"), "failed": (27.27, "recipients"), "delivered": (62.5, "sent"),
                     "read": (37.5, "sent"), "replied": (25.0, "sent")}
    assert {c.key: c.previous for c in summary.counts} == {"recipients": 2, "sent": 1, "delivered": 0, "read": 0,
                                                           "replied": 0, "failed": 1, "skipped": 0, "pending": 0}
    assert [(c.key, c.value) for c in summary.funnel] == [("recipients", 11), ("sent", 8), ("delivered", 5),
                                                           ("read", 3), ("replied", 2)]


def test_failures_by_reason_and_the_per_broadcast_table_by_hand(workspace, data):
    summary = broadcast_report_summary(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert [(r.status, r.reason, r.count, r.percent) for r in summary.reasons] == [
        ("failed", "channel_rejected", 1, 33.34), ("failed", "contact_deleted", 1, 33.33),
        ("failed", "delivery_failed", 1, 33.33), ("skipped", "no_channel", 1, 50.0), ("skipped", "opted_out", 1, 50.0)]
    table = [(r.name, r.channel, [r.counts[k] for k in ("recipients", "sent", "delivered", "read", "replied", "failed",
                                                          "skipped", "pending")]) for r in summary.broadcasts]
    assert table == [("Aviso", "Web", [3, 2, 1, 0, 0, 1, 0, 0]), ("Promo", "WhatsApp", [7, 5, 4, 3, 2, 2, 2, 1]),
                     ("Previa", "WhatsApp", [1, 1, 0, 0, 0, 0, 0, 0])]
    assert summary.broadcasts[1].rates == {"sent": 71.43, "failed": 28.57, "delivered": 80.0, "read": 60.0,
                                           "replied": 40.0}


def test_timeseries_buckets_by_the_recipients_time(workspace, data):
    series = broadcast_report_timeseries(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert series.interval == "day" and len(series.buckets) == 7
    by_day = {b.start.date().isoformat(): (b.counts["recipients"], b.counts["sent"], b.counts["failed"],
                                           b.counts["skipped"])
              for b in series.buckets if any(b.counts.values())}
    assert by_day == {"2026-11-18": (1, 1, 0, 0), "2026-11-19": (7, 5, 2, 2), "2026-11-21": (3, 2, 1, 0)}
    day = broadcast_report_timeseries(workspace=workspace, actor=owner(workspace),
                                      query=q(workspace, start="2026-11-21", end="2026-11-21"))
    assert [(b.start.isoformat(), b.counts["recipients"]) for b in day.buckets if b.counts["recipients"]] == [
        ("2026-11-21T10:00:00-06:00", 2), ("2026-11-21T23:00:00-06:00", 1)]


def test_log_lists_recipients_newest_first_with_their_stamps(workspace, data):
    log = broadcast_report_log_page(workspace=workspace, actor=owner(workspace), query=q(workspace))

    assert log.count == 13 and log.state == "ok"
    first = log.rows[0]
    assert first["id"] == data["rows"]["late"].pk and first["at"] == "2026-11-21T23:30:00-06:00"
    assert first["broadcast"] == {"id": data["b2"].pk, "name": "Aviso"} and first["channel"]["name"] == "Web"
    deleted = next(r for r in log.rows if r["id"] == data["rows"]["deleted"].pk)
    assert (deleted["contact_name"], deleted["reason"], deleted["sent_at"], deleted["failed_at"]) == (
        "Borrado", "contact_deleted", None, "2026-11-21T10:01:00-06:00")
    assert [r["at"] for r in log.rows] == sorted((r["at"] for r in log.rows), reverse=True)
    assert data["rows"]["before"].pk not in {r["id"] for r in log.rows}


def test_filters_broadcast_channel_status(workspace, data):
    def counts(**params):
        return figures(broadcast_report_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, **params)))

    assert counts(broadcast=str(data["b1"].pk))["recipients"] == 7
    assert counts(channel=str(data["web"].pk))["recipients"] == 3
    assert counts(channel=[str(data["web"].pk), str(data["wa"].pk)])["recipients"] == 11
    failed = counts(status="failed")
    assert (failed["recipients"], failed["sent"], failed["failed"]) == (3, 1, 3)
    skipped = broadcast_report_summary(workspace=workspace, actor=owner(workspace), query=q(workspace, status="skipped"))
    assert skipped.state == "ok" and figures(skipped)["recipients"] == 0 and figures(skipped)["skipped"] == 2
    assert {c.key: c.rate for c in skipped.counts if c.rate_of}["sent"] is None  # no denominator
    nothing = broadcast_report_summary(workspace=workspace, actor=owner(workspace),
                                       query=q(workspace, start="2026-10-01", end="2026-10-07"))
    assert nothing.state == "no_data" and nothing.broadcasts == [] and nothing.reasons == []


def test_before_the_workspace_existed_is_no_data(workspace, data):
    Workspace.objects.filter(pk=workspace.pk).update(created_at=at(23))
    workspace.refresh_from_db()
    early = q(workspace, start="2026-11-18", end="2026-11-20")
    assert broadcast_report_summary(workspace=workspace, actor=owner(workspace), query=early).state == "no_data"
    assert broadcast_report_timeseries(workspace=workspace, actor=owner(workspace), query=early).state == "no_data"
    assert broadcast_report_log_page(workspace=workspace, actor=owner(workspace), query=early).count == 0


def test_api_answers_the_documented_shapes(alice_client, data):
    summary = alice_client.get(SUMMARY, WEEK).json()
    assert summary["state"] == "ok"
    assert summary["counts"][1] == {"key": "sent", "label": "Enviados", "value": 8, "previous": 1, "rate": 72.73,
                                    "rate_of": "recipients"}
    assert summary["broadcasts"][0]["broadcast"]["name"] == "Aviso"
    assert summary["broadcasts"][0]["counts"]["recipients"] == 3
    assert summary["reasons"][0]["label"] == "El canal rechazó el mensaje"
    series = alice_client.get(TIMESERIES, WEEK).json()
    assert series["buckets"][1]["start"] == "2026-11-19T00:00:00-06:00"
    assert series["buckets"][1]["counts"] == {"recipients": 7, "sent": 5, "delivered": 4, "read": 3, "replied": 2,
                                              "failed": 2, "skipped": 2}
    log = alice_client.get(LOG, {**WEEK, "page_size": 5}).json()
    assert log["count"] == 13 and len(log["results"]) == 5 and log["next"]


@pytest.mark.parametrize("params, field", [
    ({"broadcast": "abc"}, "broadcast"),
    ({"broadcast": "999999"}, "broadcast"),
    ({"broadcast": "none"}, "broadcast"),
    ({"channel": "999999"}, "channel"),
    ({"status": "lost"}, "status"),
    ({"interval": "hour", "start": "2026-01-01", "end": "2026-12-31"}, "interval"),
    ({"page": "0"}, "page"),
    ({"page": "9999"}, "page"),
    ({"page_size": "101"}, "page_size"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
])
def test_bad_parameters_are_a_400_naming_the_field(alice_client, data, params, field):
    for url in (LOG,) if "page" in str(params) else URLS:
        assert_bad_request_names(alice_client.get(url, params), field, url)


def test_agents_get_403_on_every_endpoint_and_the_page(bob_client, data):
    for url in URLS:
        response = bob_client.get(url, WEEK)
        assert response.status_code == 403 and "message" in response.json(), url
    assert bob_client.get("/reports/broadcasts/").status_code == 403


def test_another_workspace_sees_nothing_and_its_ids_are_refused(charlie_client, data):
    assert charlie_client.get(SUMMARY, {"broadcast": data["b1"].pk}).json()["errors"].keys() == {"broadcast"}
    assert charlie_client.get(LOG, {"channel": data["web"].pk}).status_code == 400
    body = charlie_client.get(LOG, WEEK).json()
    assert body["count"] == 0 and body["results"] == []
    summary = charlie_client.get(SUMMARY, WEEK).json()
    assert summary["state"] == "no_data" and summary["broadcasts"] == []


def test_no_credentials_is_a_401_and_a_token_reads_the_workspace(anon_client, token_client, data):
    for url in URLS:
        assert_unauthenticated(anon_client.get(url))
    assert token_client.get(SUMMARY, WEEK).json()["counts"][0]["value"] == 11


def test_a_broadcast_sent_through_the_real_job_is_in_the_report(workspace, alice, alice_client,
                                                                django_capture_on_commit_callbacks):
    from broadcasts.services import broadcast_create, recipient_delivery_record, segment_create
    from contacts.services import conversation_open, message_create

    channel, _ = channel_create(workspace=workspace, name="WhatsApp")
    contacts = [ContactFactory(workspace=workspace, first_name=n, tags=["vip"]) for n in ("Ana", "Beto", "Cris")]
    for contact in contacts[:2]:  # Cris never wrote through the channel: skipped
        conv, _ = conversation_open(contact=contact, channel_id=channel.pk, at=NOW - timedelta(days=1))
        message_create(conversation=conv, direction="in", text="Hola", sender_kind="contact",
                       at=NOW - timedelta(days=1))
    segment = segment_create(workspace=workspace, name="VIP", filters={"tags": ["vip"]}, created_by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = broadcast_create(workspace=workspace, name="Promo", channel_id=channel.pk, segment_id=segment.pk,
                                     text="Hola", fallbacks={}, created_by=alice)
    ana = BroadcastRecipient.objects.get(broadcast=broadcast, contact_id=contacts[0].pk)
    recipient_delivery_record(message_id=ana.message_id, status="read")

    body = alice_client.get(SUMMARY, {"period": "today", "broadcast": broadcast.pk}).json()
    values = {c["key"]: c["value"] for c in body["counts"]}
    assert (values["recipients"], values["sent"], values["delivered"], values["read"], values["skipped"]) == (
        2, 2, 1, 1, 1)
    assert body["reasons"] == [{"status": "skipped", "reason": "no_channel", "label": body["reasons"][0]["label"],
                                "count": 1, "percent": 100.0}]


# --- agreement on random filters -------------------------------------------------------------


@pytest.fixture
def dataset(workspace):
    channels = [channel_create(workspace=workspace, name=f"Canal {i}")[0] for i in range(2)]
    start = datetime(2026, 10, 20, 6, tzinfo=UTC)
    broadcasts = [make_broadcast(workspace, channels[i % 2], f"B{i}", start + timedelta(days=9 * i)) for i in range(4)]
    for i in range(60):
        b = broadcasts[i % 4]
        queued = b.created_at + timedelta(hours=(i * 7) % 30)
        fate = i % 8
        sent = queued + timedelta(hours=(i * 5) % 40) if fate not in (0, 1, 2) else None
        kwargs = {"sent": sent}
        status = "sent"
        if fate == 0:
            status, kwargs["reason"] = "skipped", ("no_channel", "opted_out")[i % 2]
        elif fate == 1:
            status, kwargs["reason"], kwargs["failed"] = "failed", "channel_rejected", queued
        elif fate == 2:
            status = ("queued", "sending")[i % 2]
        elif fate == 4:
            status, kwargs["delivered"] = "delivered", sent + timedelta(minutes=1)
        elif fate == 5:
            status, kwargs["read"] = "read", sent + timedelta(minutes=2)
        elif fate == 6:
            status, kwargs["replied"] = "replied", sent + timedelta(hours=3)
        elif fate == 7:
            status, kwargs["reason"], kwargs["failed"] = "failed", "delivery_failed", sent + timedelta(minutes=1)
        rec(b, status, queued, **kwargs)
    return {"channels": channels, "broadcasts": broadcasts}


@st.composite
def queries(draw):
    start = date(2026, 10, 18) + timedelta(days=draw(st.integers(0, 37)))
    end = min(start + timedelta(days=draw(st.one_of(st.just(0), st.integers(3, 30)))), date(2026, 11, 24))
    return ({"start": start.isoformat(), "end": end.isoformat()},
            draw(st.lists(st.integers(0, 3), max_size=2, unique=True)),
            draw(st.lists(st.integers(0, 1), max_size=1)),
            draw(st.lists(st.sampled_from(["skipped", "queued", "sending", "sent", "delivered", "read", "replied",
                                           "failed"]), max_size=3, unique=True)),
            draw(st.sampled_from([None, "day", "week", "hour", "month"])))


@given(drawn=queries())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
def test_cards_series_table_log_and_export_agree_with_a_count_by_hand(workspace, dataset, drawn):
    data, broadcast_picks, channel_picks, statuses, interval = drawn
    if broadcast_picks:
        data["broadcast"] = [str(dataset["broadcasts"][i].pk) for i in broadcast_picks]
    if channel_picks:
        data["channel"] = [str(dataset["channels"][i].pk) for i in channel_picks]
    if statuses:
        data["status"] = statuses
    if interval and not (interval == "hour" and data["start"] != data["end"]):
        data["interval"] = interval
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    scope = {"workspace": workspace, "actor": owner(workspace), "query": query}

    summary = broadcast_report_summary(**scope)
    series = broadcast_report_timeseries(**scope)
    log = broadcast_report_log_page(**scope, page=1, page_size=100)
    export = list(recipient_csv_rows(**scope))

    period = query.period

    def keep(r):
        moment = r.sent_at or r.queued_at
        return (period.start_utc <= moment < period.end_utc
                and (not query.get("broadcast") or r.broadcast_id in query.get("broadcast"))
                and (not query.get("channel") or r.broadcast.channel_id in query.get("channel"))
                and (not query.get("status") or r.status in query.get("status")))

    kept = [r for r in BroadcastRecipient.objects.filter(workspace=workspace).select_related("broadcast") if keep(r)]
    by_hand = {
        "recipients": len([r for r in kept if r.status != "skipped"]),
        "sent": len([r for r in kept if r.sent_at]),
        "delivered": len([r for r in kept if r.delivered_at or r.read_at or r.replied_at]),
        "read": len([r for r in kept if r.read_at or r.replied_at]),
        "replied": len([r for r in kept if r.replied_at]),
        "failed": len([r for r in kept if r.status == "failed"]),
        "skipped": len([r for r in kept if r.status == "skipped"]),
        "pending": len([r for r in kept if r.status in ("queued", "sending")]),
    }
    assert figures(summary) == by_hand
    for key in ("recipients", "sent", "delivered", "read", "replied", "failed", "skipped"):
        assert sum(b.counts[key] for b in series.buckets) == by_hand[key], key
    for key in by_hand:
        assert sum(r.counts[key] for r in summary.broadcasts) == by_hand[key], key
    assert sum(r.count for r in summary.reasons if r.status == "failed") == by_hand["failed"]
    assert sum(r.count for r in summary.reasons if r.status == "skipped") == by_hand["skipped"]
    assert log.count == len(kept) == len(export) == recipient_set(**scope).count()
    assert sorted(r["id"] for r in log.rows) == sorted(r.pk for r in kept)
    assert [int(row[0]) for row in export] == [r["id"] for r in log.rows]
    assert summary.state == ("ok" if kept else "no_data") == series.state == log.state



# --- the page --------------------------------------------------------------------------------


def test_the_page_renders_the_shell_with_the_report_api(alice_client, data):
    response = alice_client.get("/reports/broadcasts/", {"period": "last_30_days"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/reports/broadcasts/summary" in page and "reports/broadcasts.js" in page
    assert 'id="reasons-body"' in page and 'id="per-broadcast-body"' in page
    assert 'href="/settings/data-export/?kind=broadcasts"' in page
    assert 'href="/reports/broadcasts/"' in page  # the menu links the report
    assert "Fallos por motivo" in page and "Embudo" in page


def test_the_landing_page_shows_the_headline_to_admins_only(alice_client, bob_client, data):
    page = alice_client.get("/reports/", {"period": "last_7_days"}).content.decode()
    assert page.count('data-headline="broadcasts"') == 2
    agent_page = bob_client.get("/reports/").content.decode()
    assert 'data-headline="broadcasts"' not in agent_page and "/reports/broadcasts/" not in agent_page
    assert "/reports/broadcasts/" not in bob_client.get("/reports/messages/").content.decode()
    assert bob_client.get("/reports/", {"go": "broadcasts"}).status_code == 200  # not redirected to a 403


def test_a_fall_back_day_has_25_hour_buckets_and_each_recipient_its_own(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    workspace.refresh_from_db()
    channel, _ = channel_create(workspace=workspace, name="Web")
    b = make_broadcast(workspace, channel, "Noche", datetime(2026, 11, 1, 4, tzinfo=UTC))
    # Sun 1 Nov 2026, clocks fall back at 02:00 EDT: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z);
    # one never sent, placed by its queued_at 00:10 EDT (04:10Z); 23:30 EST (Mon 04:30Z).
    rec(b, "sent", datetime(2026, 11, 1, 4, tzinfo=UTC), sent=datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    rec(b, "read", datetime(2026, 11, 1, 4, tzinfo=UTC), sent=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        read=datetime(2026, 11, 1, 6, 31, tzinfo=UTC))
    rec(b, "skipped", datetime(2026, 11, 1, 4, 10, tzinfo=UTC), reason="no_channel")
    rec(b, "sent", datetime(2026, 11, 1, 4, tzinfo=UTC), sent=datetime(2026, 11, 2, 4, 30, tzinfo=UTC))

    series = broadcast_report_timeseries(workspace=workspace, actor=owner(workspace),
                                         query=q(workspace, start="2026-11-01", end="2026-11-01"))

    assert len(series.buckets) == 25
    assert [(b.start.isoformat(), b.counts["sent"], b.counts["read"], b.counts["skipped"])
            for b in series.buckets if any(b.counts.values())] == [
        ("2026-11-01T00:00:00-04:00", 0, 0, 1), ("2026-11-01T01:00:00-04:00", 1, 0, 0),
        ("2026-11-01T01:00:00-05:00", 1, 1, 0), ("2026-11-01T23:00:00-05:00", 1, 0, 0)]

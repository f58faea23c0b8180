"""The send step of a broadcast: posting written messages to their channel, and the channel's
rate limit.

``messages_post_start`` / ``messages_post`` are the one place a broadcast hands messages to a channel. A channel with an
outbound endpoint (``BROADCAST_OUTBOUND_URL``, ``{channel_id}`` filled in) gets one JSON POST
per message, with the message id as ``Idempotency-Key``: a message posted again after a worker
died (see ``services.broadcast_run``) is the same message to the channel, which drops the copy.
Without an endpoint the CRM is the channel (its inbox): the message is sent once written.
A channel with its own outbound URL gets the broadcast's messages the way it gets every other
outgoing message, through ``integrations.delivery.channel_message_post`` (``ChannelOutboundPosting``).
"""

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from .models import RecipientReason


@dataclass(frozen=True)
class PostResult:
    ok: bool
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: int
    channel_id: int
    contact_id: int
    phone: str
    email: str
    text: str


_local = threading.local()


def _connection(url) -> http.client.HTTPConnection:
    """A kept-alive connection per thread and endpoint."""
    key = (url.scheme, url.netloc)
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    conn = connections.get(key)
    if conn is None:
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = connections[key] = cls(url.hostname, url.port, timeout=settings.BROADCAST_POST_TIMEOUT)
    return conn


def _drop_connection(url) -> None:
    conn = getattr(_local, "connections", {}).pop((url.scheme, url.netloc), None)
    if conn is not None:
        conn.close()


def _post_one(endpoint: str, message: OutgoingMessage) -> PostResult:
    url = urlsplit(endpoint.format(channel_id=message.channel_id))
    body = json.dumps({
        "message_id": message.message_id,
        "contact": {"id": message.contact_id, "phone": message.phone, "email": message.email},
        "text": message.text,
    }).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"message-{message.message_id}"}
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: once more on a new one
        try:
            conn = _connection(url)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            _drop_connection(url)
            if attempt == 2:
                return PostResult(False, RecipientReason.CHANNEL_UNREACHABLE, str(exc)[:300] or type(exc).__name__)
            continue
        if 200 <= response.status < 300:
            return PostResult(True)
        return PostResult(False, RecipientReason.CHANNEL_REJECTED, f"HTTP {response.status} {response.reason}"[:300])
    raise AssertionError("unreachable")


_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def _pool(size: int) -> ThreadPoolExecutor:
    """The process's posting threads (made again if the concurrency setting changed)."""
    global _executor, _executor_size
    if _executor is None or _executor_size != size:
        if _executor is not None:
            _executor.shutdown(wait=False)
        _executor, _executor_size = ThreadPoolExecutor(max_workers=size, thread_name_prefix="broadcast-post"), size
    return _executor


class Posting:
    """A batch's messages on their way to the channel (``messages_post_start``): the posts run
    in the pool's threads while the caller goes on (the job claims its next batch meanwhile)."""

    def __init__(self, futures: dict | None = None, done: dict[int, PostResult] | None = None):
        self._futures = futures or {}
        self._done = done or {}

    def results(self, *, waiting=None, every: float = 1.0) -> dict[int, PostResult]:
        """``{message id: result}`` once every post answered; ``waiting()`` is called every
        ``every`` seconds meanwhile (the run's heartbeat)."""
        pending = set(self._futures)
        while pending:
            _done, pending = wait(pending, timeout=every)
            if pending and waiting is not None:
                waiting()
        return {**self._done, **{message_id: future.result() for future, message_id in self._futures.items()}}


class ChannelOutboundPosting(Posting):
    """A channel with its own outbound URL: each message goes through
    ``integrations.delivery.channel_message_post``, the path of every other outgoing message of
    the channel (its signature, its address check, the message's delivery status and events),
    one after another in the job's thread when the answers are asked for. Not the pool's
    threads: that function writes the message's status per message, and each posting thread
    would hold a database connection of its own. A message it finds sent already (posted by a
    run that died before recording it) is not posted again."""

    def __init__(self, channel, messages: list[OutgoingMessage]):
        super().__init__()
        self._channel, self._messages = channel, messages

    def results(self, *, waiting=None, every: float = 1.0) -> dict[int, PostResult]:
        from contacts.models import Message
        from integrations.delivery import (
            OUTCOME_FAILED,
            OUTCOME_RETRY,
            channel_connections_close,
            channel_message_post,
        )

        stored = Message.objects.select_related("conversation__contact", "author").in_bulk(
            [m.message_id for m in self._messages])
        results: dict[int, PostResult] = {}
        beat = time.monotonic()
        try:
            for outgoing in self._messages:
                message = stored.get(outgoing.message_id)
                if message is None:
                    results[outgoing.message_id] = PostResult(False, RecipientReason.CHANNEL_REJECTED,
                                                              "the message was deleted")
                    continue
                answer = channel_message_post(self._channel, message)
                if answer.outcome == OUTCOME_RETRY:
                    results[message.pk] = PostResult(False, RecipientReason.CHANNEL_UNREACHABLE, answer.error[:300])
                elif answer.outcome == OUTCOME_FAILED:
                    results[message.pk] = PostResult(False, RecipientReason.CHANNEL_REJECTED, answer.error[:300])
                elif answer.status == "failed":  # refused for good before (a 4xx): not posted again
                    results[message.pk] = PostResult(False, RecipientReason.CHANNEL_REJECTED,
                                                     (message.delivery_error or "failed")[:300])
                else:  # sent now, or already sent / delivered / read
                    results[message.pk] = PostResult(True)
                if waiting is not None and time.monotonic() - beat >= every:
                    waiting()
                    beat = time.monotonic()
        finally:
            channel_connections_close()
        return results


def messages_post_start(messages: list[OutgoingMessage], *, channel=None) -> Posting:
    """Start posting the messages to their channel: through the channel's own outbound URL when
    it has one (``ChannelOutboundPosting``), else to ``BROADCAST_OUTBOUND_URL`` in concurrent
    posts (``BROADCAST_POST_CONCURRENCY``), each thread on its kept-alive connection."""
    if channel is not None and channel.outbound_url:
        return ChannelOutboundPosting(channel, messages)
    endpoint = settings.BROADCAST_OUTBOUND_URL
    if not endpoint:
        return Posting(done={m.message_id: PostResult(True) for m in messages})
    executor = _pool(settings.BROADCAST_POST_CONCURRENCY)
    return Posting(futures={executor.submit(_post_one, endpoint, m): m.message_id for m in messages})


def messages_post(messages: list[OutgoingMessage], *, waiting=None, every: float = 1.0) -> dict[int, PostResult]:
    """Post the messages and wait for the channel's answers: ``{message id: result}``."""
    return messages_post_start(messages).results(waiting=waiting, every=every)


def channel_rate(channel_id: int) -> int:
    """The channel's budget, messages per second: its own (``BROADCAST_CHANNEL_RATES``, by
    channel id) or ``BROADCAST_CHANNEL_RATE``."""
    own = settings.BROADCAST_CHANNEL_RATES.get(channel_id)
    return own if own and own > 0 else settings.BROADCAST_CHANNEL_RATE


def channel_rate_wait(*, channel_id: int, count: int, limit: int | None = None) -> float:
    """Take ``count`` sends from the channel's budget of this second; sleeps into the next
    second(s) while it is spent. Returns the seconds waited.

    The budget (``channel_rate``, messages per second) is per channel and shared by
    every worker and broadcast through the cache (Redis in production): a fixed one-second window
    counter per channel. If the cache is unreachable each worker keeps its own pace (the cache
    degrades to misses, see crm/cache.py), never failing the send.
    """
    limit = limit or channel_rate(channel_id)
    waited, window = 0.0, None
    while True:
        now = time.time()
        # After a sleep into the next second, that second's budget is the one to take, whatever
        # the clock reads (a clock that stands still must not spend the same second for ever).
        window = int(now) if window is None else max(int(now), window + 1)
        key = f"broadcast-rate:{channel_id}:{window}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key, count)
        except ValueError:  # expired between add and incr, or the cache is unreachable
            cache.set(key, count, timeout=5)
            used = count
        if used <= limit or used == count:  # a batch larger than the limit still goes, alone in its second
            return waited
        pause = max(0.0, window + 1 - now)
        time.sleep(pause)
        waited += pause

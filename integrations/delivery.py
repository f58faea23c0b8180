"""Outbound delivery through the custom channel (docs/api.md "Custom channel: outbound").

An outgoing message of a conversation that came through a channel with an ``outbound_url`` is
queued in the message's own transaction (``integrations/receivers.py``) and POSTed there by
``integrations.tasks.channel_message_deliver_task`` after the commit; Transmisiones posts its
messages itself, one after another, with ``channel_message_post``. Both record the outcome with
``contacts.services.message_status_record``:

- a 2xx answer → ``sent``, with the ``external_id`` (or ``id``) of a JSON answer;
- 408, 425, 429, any 5xx, a timeout or a network error → nothing recorded, the result says
  ``retry`` (the task retries with backoff and records ``failed`` once its attempts run out);
- any other status (a 4xx, a redirect: not followed) or an address the CRM may not call →
  ``failed`` with the reason.

Every request is signed: ``X-Channel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``"<t>." + body`` with the key ``sha256(secret).hexdigest()`` (the channel's secret is never
stored, only that digest, so the receiver derives the same key from the secret it was given).
Delivery is at least once: ``X-Message-Id`` (also ``message_id`` in the body) is the same on every
attempt, for the receiver to drop repeats.

Only the stdlib (``http.client``): one keep-alive connection per thread and origin is reused
across calls, and each new connection goes to the address checked when it was resolved (no
private, loopback or link-local address unless ``CHANNEL_OUTBOUND_ALLOW_PRIVATE``), so a DNS
answer cannot change between the check and the connection.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings

from contacts.models import DeliveryStatus, Message
from contacts.services import ConversationError, message_delivery_queue, message_status_record

from .models import Channel

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Channel-Signature"
OUTBOUND_URL_MAX = 500
# A channel's answer is read to this size at most (its JSON carries an id, not a document).
ANSWER_MAX = 64 * 1024
RETRY_STATUSES = frozenset({408, 425, 429})
OUTCOME_SENT, OUTCOME_FAILED, OUTCOME_RETRY, OUTCOME_SKIPPED = "sent", "failed", "retry", "skipped"


class OutboundUrlError(ValueError):
    pass


def outbound_url_check(url: str) -> str:
    """The URL as stored, or ``OutboundUrlError``: http(s), a host, no credentials or fragment."""
    url = (url or "").strip()
    if len(url) > OUTBOUND_URL_MAX:
        raise OutboundUrlError(f"at most {OUTBOUND_URL_MAX} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as error:
        raise OutboundUrlError("not a valid URL") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundUrlError("use an http:// or https:// address")
    if parts.username or parts.password or parts.fragment or any(c.isspace() for c in url):
        raise OutboundUrlError("no user, password, fragment or spaces in the address")
    return url


def channel_signing_key(channel: Channel) -> bytes:
    """The HMAC key: the hex SHA-256 of the channel's secret (what the CRM stores)."""
    return channel.secret_hash.encode("ascii")


def channel_signature(channel: Channel, *, timestamp: int, body: bytes) -> str:
    digest = hmac.new(channel_signing_key(channel), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def channel_message_payload(channel: Channel, message: Message) -> dict:
    contact = message.conversation.contact
    author = message.author
    return {
        "message_id": message.pk,
        "channel_id": channel.pk,
        "conversation_id": message.conversation_id,
        "created_at": message.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "sender_kind": message.sender_kind,
        "author": None if author is None else {"id": author.pk, "name": author.display_name},
        "text": message.text,
        "contact": {"id": contact.pk, "first_name": contact.first_name, "last_name": contact.last_name,
                    "email": contact.email, "phone": contact.phone},
    }


@dataclass(frozen=True)
class ChannelPostResult:
    """What one POST did: ``outcome`` sent / failed / retry / skipped (already sent or final);
    ``status`` the message's delivery status afterwards; the HTTP status when one came back."""

    outcome: str
    status: str
    http_status: int | None = None
    external_id: str = ""
    error: str = ""

    @property
    def retryable(self) -> bool:
        return self.outcome == OUTCOME_RETRY


class AddressRefused(Exception):
    pass


def _checked_address(host: str, port: int) -> str:
    """The first address of ``host`` after checking every address it resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "CHANNEL_OUTBOUND_ALLOW_PRIVATE", False):
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise AddressRefused(f"the address {address} of {host} is not public")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        # Certificate and host name are checked against the URL's host (SNI), not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


_connections = threading.local()


def _connection(scheme: str, host: str, port: int, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """This thread's open connection to the origin (reused: True), else a new one."""
    pool = _connections.__dict__.setdefault("pool", {})
    key = (scheme, host, port)
    if key in pool:
        connection = pool[key]
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection, True
    address = _checked_address(host, port)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, address=address, timeout=timeout)
    pool[key] = connection
    return connection, False


def _drop(scheme: str, host: str, port: int) -> None:
    connection = _connections.__dict__.get("pool", {}).pop((scheme, host, port), None)
    if connection is not None:
        connection.close()


def channel_connections_close() -> None:
    """Close this thread's kept-alive connections (e.g. at the end of a batch)."""
    for connection in _connections.__dict__.pop("pool", {}).values():
        connection.close()


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int, bytes]:
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):
        connection, reused = _connection(scheme, host, port, timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read(ANSWER_MAX + 1)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            _drop(scheme, host, port)
            # A kept-alive connection the server had closed meanwhile: once more on a new one.
            if reused and attempt == 1:
                continue
            raise
        except BaseException:
            _drop(scheme, host, port)
            raise
        if len(answer) > ANSWER_MAX or response.will_close:
            _drop(scheme, host, port)
        return response.status, answer[:ANSWER_MAX]
    raise AssertionError("unreachable")


def _external_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"null")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    value = data.get("external_id", data.get("id"))
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()[:200]


def _snippet(answer: bytes) -> str:
    return " ".join(answer[:200].decode("utf-8", "replace").split())


def _failed(message: Message, reason: str, http_status: int | None = None) -> ChannelPostResult:
    message_status_record(message=message, status=DeliveryStatus.FAILED, reason=reason)
    return ChannelPostResult(OUTCOME_FAILED, message.delivery_status, http_status, error=reason)


def channel_message_post(channel: Channel, message: Message, *, timeout: float | None = None) -> ChannelPostResult:
    """POST one outgoing message to the channel's outbound URL, now, and record the outcome.

    For a batch loop (Transmisiones): call it outside a transaction, message after message; the
    thread keeps one connection per origin alive between calls (``channel_connections_close``
    ends them). A message not yet queued is queued for this channel first; one already sent,
    delivered, read or failed is not posted again (``skipped``). A ``retry`` result records
    nothing: the caller retries later or records ``failed`` itself.
    """
    if message.direction != Message.Direction.OUT or message.workspace_id != channel.workspace_id:
        raise ValueError("only an outgoing message of the channel's workspace can be posted to it")
    current = Message.objects.filter(pk=message.pk).values_list("delivery_status", "delivery_channel_id").get()
    message.delivery_status, message.delivery_channel_id = current
    if message.delivery_status not in ("", DeliveryStatus.QUEUED) or message.delivery_channel_id not in (None, channel.pk):
        return ChannelPostResult(OUTCOME_SKIPPED, message.delivery_status)
    if message.delivery_status == "":
        message_delivery_queue(message=message, channel_id=channel.pk)
    if not channel.outbound_url:
        return _failed(message, "the channel has no outbound URL")
    body = json.dumps(channel_message_payload(channel, message), ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CRM-Channel-Delivery/1",
        "X-Channel-Id": str(channel.pk),
        "X-Message-Id": str(message.pk),
        SIGNATURE_HEADER: channel_signature(channel, timestamp=int(time.time()), body=body),
    }
    timeout = timeout or getattr(settings, "CHANNEL_OUTBOUND_TIMEOUT", 10.0)
    try:
        http_status, answer = _post(channel.outbound_url, body, headers, timeout)
    except AddressRefused as error:
        return _failed(message, str(error))
    except (OSError, http.client.HTTPException, ValueError) as error:
        # DNS, refused, reset, timed out, a malformed answer: maybe better next time.
        reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
        return ChannelPostResult(OUTCOME_RETRY, message.delivery_status, error=reason[:300])
    if 200 <= http_status < 300:
        external_id = _external_id(answer)
        try:
            message_status_record(message=message, status=DeliveryStatus.SENT, external_id=external_id)
        except ConversationError:
            logger.warning("channel %s gave message %s an external id it already used: %r",
                           channel.pk, message.pk, external_id)
            external_id = ""
            message_status_record(message=message, status=DeliveryStatus.SENT)
        return ChannelPostResult(OUTCOME_SENT, message.delivery_status, http_status, external_id=external_id)
    reason = f"HTTP {http_status}" + (f": {_snippet(answer)}" if answer.strip() else "")
    if http_status in RETRY_STATUSES or http_status >= 500:
        return ChannelPostResult(OUTCOME_RETRY, message.delivery_status, http_status, error=reason)
    return _failed(message, reason, http_status)

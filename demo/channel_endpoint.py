"""A loopback channel endpoint: a threaded HTTP server on 127.0.0.1 that takes the CRM's outgoing
messages and records each POST (its idempotency key, message id and contact id).

For the broadcast benchmark (``bench_broadcast``) and the real-worker tests: the channel's side
of a send, so they can count what the channel actually received (every POST, repeats included).
It reads both the broadcast post (``Idempotency-Key: message-<id>``) and the channel outbound
post (``X-Message-Id``, integrations/delivery.py).
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a backlog for the sender's concurrent connections (the default is 5)
    daemon_threads = True


@dataclass(frozen=True)
class Post:
    idempotency_key: str
    message_id: int | None
    contact_id: int | None
    at: float


class LoopbackChannel:
    """``url`` takes POSTs (``{channel_id}`` in the path, as BROADCAST_OUTBOUND_URL); ``posts``
    lists them in arrival order. ``delay`` seconds are spent on each before answering 200."""

    def __init__(self, *, delay: float = 0.0):
        self.posts: list[Post] = []
        self.delay = delay
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection per sending thread

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender died mid-request (a killed worker): a channel receives no
                    # message from a cut request, and nobody is left to answer.
                    self.close_connection = True
                    return
                try:
                    data = json.loads(body)
                except ValueError:
                    data = None
                if not isinstance(data, dict):
                    # Not a message (e.g. headers cut short by a killed sender): refused, not received.
                    self._answer(400, {"error": "the body is not a JSON object"})
                    return
                contact, message_id = data.get("contact"), data.get("message_id")
                key = self.headers.get("Idempotency-Key") or (
                    f"message-{self.headers['X-Message-Id']}" if self.headers.get("X-Message-Id") else "")
                post = Post(idempotency_key=key, message_id=message_id if isinstance(message_id, int) else None,
                            contact_id=contact.get("id") if isinstance(contact, dict) else None, at=time.monotonic())
                with endpoint._lock:
                    endpoint.posts.append(post)
                if endpoint.delay:
                    time.sleep(endpoint.delay)
                self._answer(200, {"id": f"loop-{len(endpoint.posts)}"})

            def _answer(self, status: int, data: dict) -> None:
                answer = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender was killed or gave up

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.base + "/channels/{channel_id}/messages"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="loopback-channel")
        self._thread.start()

    def count(self) -> int:
        return len(self.posts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

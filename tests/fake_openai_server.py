"""A small OpenAI-compatible HTTP server on 127.0.0.1 for wire tests.

It serves `POST /v1/chat/completions` (plain JSON, or SSE when the request says `stream: true`)
and `GET /v1/models`, answering from a scripted queue and recording every request, so the real
`openai` and `langchain-openai` clients can be tested without any network.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "fake-model"


@dataclass
class ScriptedReply:
    """One scripted answer to one chat-completions request.

    `content` is the assistant text; `status` other than 200 sends an OpenAI-style error body;
    `body` sends these raw bytes instead (garbage); `delay` waits first (to force a timeout).
    """

    content: str = ""
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))


def count_tokens(text: str) -> int:
    """A rough, deterministic token count (about four characters a token)."""
    return max(1, (len(text) + 3) // 4)


class FakeOpenAIServer:
    """Start with `start()`, script with `enqueue()`, inspect `requests`, stop with `stop()`."""

    def __init__(self) -> None:
        self._queue: list[ScriptedReply] = []
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------------

    def enqueue(self, *replies: str | ScriptedReply) -> None:
        """Queue replies in order; a plain string is a 200 reply with that content."""
        with self._lock:
            for reply in replies:
                self._queue.append(
                    ScriptedReply(content=reply) if isinstance(reply, str) else reply
                )

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next(self) -> ScriptedReply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        # An unscripted call is a test bug; 418 is not retried by anyone, so it fails fast.
        return ScriptedReply(status=418, content="fake server: no scripted reply left")

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        # Port 0 asks the OS for a free port; only loopback is ever bound.
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, on every test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeOpenAIServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests capture stderr and must see nothing from us."""

    def _read_json(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _send(self, status: int, payload: bytes, content_type: str, extra: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to do

    def do_GET(self) -> None:
        self.server_state._record(
            RecordedRequest("GET", self.path, dict(self.headers.items()), None)
        )
        if self.path.rstrip("/").endswith("/models"):
            body = {
                "object": "list",
                "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "test"}],
            }
            self._send(200, json.dumps(body).encode(), "application/json", {})
        else:
            self._error(404, f"no route {self.path}", {})

    def do_POST(self) -> None:
        body = self._read_json()
        self.server_state._record(
            RecordedRequest("POST", self.path, dict(self.headers.items()), body)
        )
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"no route {self.path}", {})
            return
        reply = self.server_state._next()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.body is not None:
            self._send(reply.status, reply.body, "application/json", reply.headers)
        elif reply.status != 200:
            self._error(
                reply.status, reply.content or f"scripted error {reply.status}", reply.headers
            )
        elif body and body.get("stream"):
            self._stream(body, reply)
        else:
            self._complete(body or {}, reply)

    def _error(self, status: int, message: str, extra: dict[str, str]) -> None:
        payload = {"error": {"message": message, "type": "fake_error", "code": status}}
        self._send(status, json.dumps(payload).encode(), "application/json", extra)

    @staticmethod
    def _prompt_tokens(body: dict[str, Any]) -> int:
        text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
        return count_tokens(text)

    def _complete(self, body: dict[str, Any], reply: ScriptedReply) -> None:
        prompt_tokens = self._prompt_tokens(body)
        completion_tokens = count_tokens(reply.content)
        payload = {
            "id": f"chatcmpl-fake-{len(self.server_state.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        self._send(200, json.dumps(payload).encode(), "application/json", reply.headers)

    def _stream(self, body: dict[str, Any], reply: ScriptedReply) -> None:
        base = {
            "id": "chatcmpl-fake-stream",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        words = reply.content.split(" ")
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
        events: list[dict[str, Any]] = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": p}) for p in pieces]
        events.append(chunk({}, finish="stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            prompt_tokens = self._prompt_tokens(body)
            completion_tokens = count_tokens(reply.content)
            events.append(
                {
                    **base,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            )
        payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        self._send(200, payload.encode(), "text/event-stream", reply.headers)

"""A small OpenAI-compatible HTTP server on 127.0.0.1 for wire tests.

It serves `POST /v1/chat/completions` (plain JSON, or SSE when the request says `stream: true`)
and `GET /v1/models`, answering from a scripted queue and recording every request, so the real
`openai` and `langchain-openai` clients can be tested without any network.

A `ServerProfile` makes it behave like a real local server rather than like OpenAI:
`ServerProfile.llama_cpp()` ignores `max_completion_tokens` (only `max_tokens` caps a reply),
has one slot (requests queue behind each other), keeps generating after its client has gone,
sends no usage chunk in streams, rejects `response_format` json_schema but accepts json_object
(and then returns only the JSON, as grammar-constrained decoding does), and drops system
messages. Generation takes `token_delay` seconds a token, so a reply that runs to the cap or
to the context limit takes measurably longer than one that stops.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from interviewer.grading.llm import json_objects

if TYPE_CHECKING:
    from pathlib import Path

    from interviewer.settings import Settings

MODEL_ID = "fake-model"
FILLER = " and so on"  # what a runaway model keeps writing


@dataclass
class ScriptedReply:
    """One scripted answer to one chat-completions request.

    `content` is the assistant text; `status` other than 200 sends an OpenAI-style error body;
    `body` sends these raw bytes instead (garbage); `delay` waits first (to force a timeout).
    `runaway`: the model never stops by itself, so it writes until the request's cap (or the
    context limit). `cut_after`: a stream ends after that many content chunks, with no finish
    reason and no [DONE] (a server that gave up mid-reply); `cut_abruptly` drops the
    connection there instead (a server that died).
    """

    content: str = ""
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    runaway: bool = False
    cut_after: int | None = None
    cut_abruptly: bool = False  # with cut_after: drop the TCP connection instead of ending


# Where llama.cpp's server departs from OpenAI (see ServerProfile's fields).
LLAMA_CPP: dict[str, bool] = {
    "honours_max_completion_tokens": False,
    "single_slot": True,
    "stream_usage": False,
    "json_schema": False,
    "constrained_json": True,
    "drops_system": True,
}


@dataclass
class ServerProfile:
    """How the server differs from OpenAI (the default profile behaves like OpenAI)."""

    honours_max_completion_tokens: bool = True
    single_slot: bool = False  # one request at a time; the others wait their turn
    token_delay: float = 0.0  # seconds per generated token
    context_tokens: int = 4096  # where an uncapped runaway reply stops
    stream_usage: bool = True  # a usage chunk when stream_options.include_usage is set
    json_schema: bool = True  # accepts response_format {"type": "json_schema"}
    json_object: bool = True  # accepts response_format {"type": "json_object"}
    constrained_json: bool = False  # with json_object, the reply is the JSON object alone
    drops_system: bool = False  # system messages never reach the model

    @classmethod
    def llama_cpp(cls, token_delay: float = 0.0) -> ServerProfile:
        """llama.cpp's server (and llama-cpp-python's) as measured in the fault report."""
        return cls(token_delay=token_delay, **LLAMA_CPP)

    @classmethod
    def no_json_mode(cls) -> ServerProfile:
        """A server that refuses any response_format (HTTP 400)."""
        return cls(json_schema=False, json_object=False)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    @property
    def seen_by_model(self) -> list[dict[str, Any]]:
        """The messages the model got (a server that drops system messages drops them here)."""
        return getattr(self, "_seen", self.messages)


def _first_object(text: str) -> str:
    """What a grammar-constrained model writes instead of `text`: its first JSON object alone
    ("{}" when there is none; from the first "{" on when the object was never closed)."""
    first = text.find("{")
    if first == -1:
        return "{}"
    found = next(json_objects(text), None)
    return text[first:] if found is None else text[found[0] : found[1]]


def count_tokens(text: str) -> int:
    """A rough, deterministic token count (about four characters a token)."""
    return max(1, (len(text) + 3) // 4)


class FakeOpenAIServer:
    """Start with `start()`, script with `enqueue()`, inspect `requests`, stop with `stop()`."""

    def __init__(self, profile: ServerProfile | None = None) -> None:
        self.profile = profile or ServerProfile()
        self._queue: list[ScriptedReply] = []
        self._lock = threading.Lock()
        self._slot = threading.Lock()  # held while generating, when the profile has one slot
        self.requests: list[RecordedRequest] = []
        self.generated_tokens: list[int] = []  # per completed generation, in order
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

    def settings(self, data_dir: Path | str, **overrides: Any) -> Settings:
        """Settings whose openai-compatible provider is this server, with MODEL_ID as the model
        and no .env file; `overrides` replace or add settings."""
        from interviewer.settings import get_settings

        values: dict[str, Any] = {
            "_env_file": None,
            "data_dir": data_dir,
            "llm_provider": "openai-compatible",
            "llm_model": MODEL_ID,
            "llm_base_url": self.base_url,
        }
        return get_settings(**(values | overrides))

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
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as real servers speak

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
        state = self.server_state
        profile = state.profile
        body = self._read_json()
        request = RecordedRequest("POST", self.path, dict(self.headers.items()), body)
        state._record(request)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"no route {self.path}", {})
            return
        body = body or {}
        refused = self._refused_format(body)
        if refused:
            self._error(400, refused, {})
            return
        if profile.drops_system:
            request._seen = [m for m in request.messages if m.get("role") != "system"]  # type: ignore[attr-defined]
        reply = state._next()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.body is not None:
            self._send(reply.status, reply.body, "application/json", reply.headers)
            return
        if reply.status != 200:
            self._error(
                reply.status, reply.content or f"scripted error {reply.status}", reply.headers
            )
            return
        text, finish = self._generate(body, reply)
        if body.get("stream"):
            self._stream(body, reply, text, finish)
        else:
            self._complete(body, reply, text, finish)

    def _refused_format(self, body: dict[str, Any]) -> str | None:
        kind = (body.get("response_format") or {}).get("type")
        profile = self.server_state.profile
        if kind == "json_schema" and not profile.json_schema:
            return "response_format type 'json_schema' is not supported"
        if kind == "json_object" and not profile.json_object:
            return "Unrecognized request argument supplied: response_format"
        return None

    def _cap(self, body: dict[str, Any]) -> int | None:
        caps = [body.get("max_tokens")]
        if self.server_state.profile.honours_max_completion_tokens:
            caps.append(body.get("max_completion_tokens"))
        given = [c for c in caps if isinstance(c, int)]
        return min(given) if given else None

    def _generate(self, body: dict[str, Any], reply: ScriptedReply) -> tuple[str, str]:
        """The text the model writes and why it stopped, taking `token_delay` per token.

        The slot is held for the whole generation, whether or not the client is still there:
        like llama.cpp, nothing here notices a client that went away.
        """
        state = self.server_state
        profile = state.profile
        text = reply.content
        kind = (body.get("response_format") or {}).get("type")
        if profile.constrained_json and kind == "json_object":
            # Grammar-constrained decoding: nothing outside the object (a reply still being
            # written when it is cut keeps its open object).
            text = _first_object(text)
        runaway = reply.runaway
        if profile.constrained_json and kind == "json_object" and text.endswith("}"):
            runaway = False  # the grammar ends the reply when the object closes
        cap = self._cap(body)
        limit = cap if cap is not None else profile.context_tokens
        wanted = count_tokens(text)
        if runaway:
            wanted = max(wanted, limit)
            text = text + FILLER * max(0, (limit - count_tokens(text)) * 4 // len(FILLER) + 1)
        tokens = min(wanted, limit)
        finish = "length" if runaway or wanted > limit else "stop"
        if finish == "length":
            text = text[: tokens * 4]
        slot = state._slot if profile.single_slot else threading.Lock()
        with slot:
            if profile.token_delay:
                time.sleep(tokens * profile.token_delay)
        with state._lock:
            state.generated_tokens.append(tokens)
        return text, finish

    def _error(self, status: int, message: str, extra: dict[str, str]) -> None:
        payload = {"error": {"message": message, "type": "fake_error", "code": status}}
        self._send(status, json.dumps(payload).encode(), "application/json", extra)

    @staticmethod
    def _prompt_tokens(body: dict[str, Any]) -> int:
        text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
        return count_tokens(text)

    def _complete(self, body: dict[str, Any], reply: ScriptedReply, text: str, finish: str) -> None:
        prompt_tokens = self._prompt_tokens(body)
        completion_tokens = count_tokens(text)
        payload = {
            "id": f"chatcmpl-fake-{len(self.server_state.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        self._send(200, json.dumps(payload).encode(), "application/json", reply.headers)

    def _stream(self, body: dict[str, Any], reply: ScriptedReply, text: str, finish: str) -> None:
        """Server-sent events in chunked transfer encoding, as real servers stream them."""
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

        words = text.split(" ")
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
        events: list[dict[str, Any]] = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": p}) for p in pieces]
        events.append(chunk({}, finish=finish))
        wants_usage = (body.get("stream_options") or {}).get("include_usage")
        if wants_usage and self.server_state.profile.stream_usage:
            prompt_tokens = self._prompt_tokens(body)
            completion_tokens = count_tokens(text)
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
        frames = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
        frames.append(b"data: [DONE]\n\n")
        if reply.cut_after is not None:
            frames = frames[: reply.cut_after + 1]  # the role chunk, then cut_after pieces
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            for frame in frames:
                self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
                self.wfile.flush()
            if reply.cut_abruptly:
                self.close_connection = True  # the server died mid-reply
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up; a local server does not notice (see _generate)

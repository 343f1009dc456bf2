"""A local stand-in for an OpenAI-compatible chat completions endpoint.

It answers ``POST /v1/chat/completions`` the way the OpenAI API documents it
(https://platform.openai.com/docs/api-reference/chat/create: a ``chat.completion``
object whose ``choices[0].message.content`` is the text), so litellm talks to
it through its real OpenAI client when ``api_base`` points here. It runs in a
thread, so synchronous code (the core, the CLI in a subprocess) and async
tests can both use it.

Behaviour per request, from ``script`` (one entry per request, the last one
repeating): a string is the reply's content; ``("status", 500)`` answers that
HTTP status with a plain-text body; ``"hang"`` holds the request open until the
server stops; a callable is called (in the server's thread, so it can hold the request open until a test
releases it) and what it returns is the step. Every request body is kept in ``requests`` (for "what did the
model see" assertions).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"


@dataclass
class FakeLlm:
    script: list[Any] = field(default_factory=lambda: ['{"sentences": []}'])
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def api_base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def prompt_text(self) -> str:
        """Everything every request sent as message content, joined."""
        return "\n".join(str(m.get("content", "")) for r in self.requests for m in r.get("messages", []))

    def start(self) -> FakeLlm:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(json.loads(body or b"{}"))
                step = fake.script[min(len(fake.requests) - 1, len(fake.script) - 1)]
                if callable(step):
                    step = step()
                if step == HANG:
                    while not fake._stop.is_set():
                        time.sleep(0.05)
                    return
                if isinstance(step, tuple):
                    self._send(step[1], b"upstream exploded", "text/plain")
                    return
                reply = {
                    "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion", "created": int(time.time()),
                    "model": "fake", "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": step}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, json.dumps(reply).encode(), "application/json")

            def _send(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def reply(*sentences: tuple[Any, Any]) -> str:
    return json.dumps({"sentences": [{"text": t, "cites": c} for t, c in sentences]})

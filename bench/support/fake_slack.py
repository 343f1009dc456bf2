"""A local stand-in for Slack's Web API that records every call (like bolt-python's mock_web_api_server).

The app under test talks to it through a real ``AsyncWebClient`` whose
``base_url`` points here, and posts ``respond()`` replies to response_urls
that point here too. Tests assert on ``calls``: what was posted where, with
which blocks. Channels are internal unless a test says otherwise. ``sign`` signs a request
body the way Slack signs the requests it sends to an app (with the test ``SECRET``).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

BOT_USER = "U0HANDOFF"
BOT_ID = "B0HANDOFF"
TEAM = "T0MSP"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the app's signing secret in tests and benchmarks
BOT_TOKEN = "xoxb-1234-5678-handofftest"


def sign(body: str, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack adds to a request it sends to an app (its v0 HMAC signature)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    args: dict[str, Any]
    path: str = ""
    at: float = field(default_factory=time.perf_counter)  # when it arrived (for bench/slack_ack.py)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # conversations.info answers
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # users.info fields, e.g. is_restricted
    memberships: dict[str, list[str]] = field(default_factory=dict)  # user -> channel ids (users.conversations)
    page_size: int = 2  # users.conversations answers in pages this long, so paging is exercised
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, channel) -> error
    delays: dict[str, float] = field(default_factory=dict)  # method -> seconds before answering
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> how many 429s to answer first
    # method -> faults to answer, one per call, in order: "500" (plain-text body, as a proxy or
    # Slack's edge answers), "429" (Retry-After: retry_after seconds), "hang" (answer after hang_s), "drop" (close the connection unanswered).
    faults: dict[str, list[str]] = field(default_factory=dict)
    retry_after: int = 1
    delivered: list[Call] = field(default_factory=list)  # chat.postMessage calls answered ok (really posted)
    hang_s: float = 30.0
    url: str = ""
    socket_envelopes: list[dict[str, Any]] = field(default_factory=list)  # sent to a Socket Mode client
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _n: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.api)
        app.router.add_post("/respond/{key}", self.respond)
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_get("/socket", self.socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/respond/{key}"

    # --- what the app sent --------------------------------------------------------

    def to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posts(self) -> list[Call]:
        return self.to("chat.postMessage")

    @property
    def responses(self) -> list[Call]:
        return self.to("response_url")

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.to(method)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} {method} call(s), got {[c.method for c in self.calls]}")
            await asyncio.sleep(0.005)
        return self.to(method)

    # --- handlers ------------------------------------------------------------------

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        args["_token"] = request.headers.get("Authorization", "")
        self.calls.append(Call(method, args, request.path))
        fault = self.faults[method].pop(0) if self.faults.get(method) else None
        if fault == "500":
            return web.Response(status=500, text="upstream connect error or disconnect/reset before headers",
                                content_type="text/plain")
        if fault == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.retry_after)})
        if fault == "drop":  # the connection closes before any answer (a proxy restarting)
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if fault == "hang":
            await asyncio.sleep(self.hang_s)
            return web.json_response({"ok": False, "error": "hung"}, status=504)
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        channel = str(args.get("channel", ""))
        if (method, channel) in self.errors:
            return web.json_response({"ok": False, "error": self.errors[(method, channel)]})
        if method == "auth.test":
            return web.json_response({"ok": True, "url": "https://msp.slack.com/", "team": "MSP", "user": "handoff",
                                      "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID})
        if method == "chat.postMessage":
            self._n += 1
            ts = f"{1_800_000_000 + self._n}.{self._n:06d}"
            self.delivered.append(Call(method, {**args, "ts": ts}, request.path))
            return web.json_response({"ok": True, "channel": channel, "ts": ts,
                                      "message": {"ts": ts, "bot_id": BOT_ID, "text": args.get("text")}})
        if method in ("conversations.history", "conversations.replies"):
            return web.json_response(self.history(method, args))
        if method == "users.info":  # https://api.slack.com/methods/users.info: guests are is_restricted
            user = str(args.get("user", ""))
            info = {"id": user, "team_id": TEAM, "is_bot": False, "is_restricted": False,
                    "is_ultra_restricted": False, **self.users.get(user, {})}
            return web.json_response({"ok": True, "user": info})
        if method == "users.conversations":  # https://api.slack.com/methods/users.conversations, cursor paging
            ids = self.memberships.get(str(args.get("user", "")), [])
            start = int(str(args.get("cursor") or "0").removeprefix("page:"))
            more = start + self.page_size < len(ids)
            return web.json_response({"ok": True, "channels": [{"id": c} for c in ids[start:start + self.page_size]],
                                      "response_metadata": {"next_cursor": f"page:{start + self.page_size}" if more
                                                            else ""}})
        if method == "conversations.info":
            info = self.channels.get(channel, {"id": channel, "is_channel": True, "is_shared": False,
                                               "is_ext_shared": False, "is_org_shared": False,
                                               "is_pending_ext_shared": False, "is_im": channel.startswith("D")})
            return web.json_response({"ok": True, "channel": info})
        if method == "files.getUploadURLExternal":
            self._n += 1
            file_id = f"F{self._n:08d}"
            return web.json_response({"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"})
        if method == "files.completeUploadExternal":
            files = args.get("files")
            listed = json.loads(files) if isinstance(files, str) else files or []
            return web.json_response({"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in listed]})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": self.url.replace("http", "ws") + "/socket"})
        return web.json_response({"ok": True})

    def history(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """What Slack has in a channel (or a thread: conversations.replies), newest first; message metadata only
        with include_all_metadata (https://api.slack.com/methods/conversations.history#arg_include_all_metadata)."""
        channel, thread = str(args.get("channel", "")), args.get("ts")
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        messages = []
        for call in reversed(self.delivered):
            if call.args.get("channel") != channel or float(call.args["ts"]) < float(args.get("oldest") or 0):
                continue
            if (call.args.get("thread_ts") or None) != (thread if method == "conversations.replies" else None):
                continue
            message: dict[str, Any] = {"type": "message", "ts": call.args["ts"], "bot_id": BOT_ID,
                                       "text": call.args.get("text")}
            metadata = call.args.get("metadata")
            if with_metadata and metadata:
                message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            messages.append(message)
        return {"ok": True, "messages": messages, "has_more": False}

    @property
    def uploads(self) -> list[Call]:
        """Files shared by ``files_uploadV2``: each completed upload with its bytes, channel and thread."""
        done = []
        data = {c.args["file_id"]: c.args["data"] for c in self.to("upload")}
        for call in self.to("files.completeUploadExternal"):
            files = call.args.get("files")
            for f in json.loads(files) if isinstance(files, str) else files or []:
                done.append(Call("file", {**call.args, "file_id": f["id"], "title": f.get("title"),
                                          "data": data.get(f["id"], b"")}))
        return done

    async def upload(self, request: web.Request) -> web.Response:
        """Step 2 of files_uploadV2: the bytes go to the URL files.getUploadURLExternal returned."""
        raw = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"], "data": raw}, request.path))
        return web.Response(text=f"OK - {len(raw)}")

    async def respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json(), request.path))
        return web.Response(text="ok")

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: send ``hello``, then each queued envelope; collect the app's acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0HANDOFF"}})
        for envelope in self.socket_envelopes:
            await ws.send_json(envelope)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        return ws

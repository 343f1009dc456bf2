"""The core as the front ends see it: one object, the same answers everywhere.

A ``Core`` is built once per process from one ``Settings`` object and shared
by the CLI, the Slack app, the Teams bot and the webhooks, so all of them
answer through the same functions: the Slack and Teams renderings of a packet
differ only in their JSON. Methods are synchronous (SQL and embeddings are
blocking work); async front ends call them with ``asyncio.to_thread``.
Expensive parts open on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.chat import conversations
from bot.chat.commands import USAGE, ChatRequest, parse
from bot.chat.outbox import Outbox, RetryPolicy
from bot.chat.replies import ChatReply
from bot.chat.views import Answer, TriageView
from bot.config import Settings
from bot.db import store
from bot.db.engine import open_database, session_scope
from bot.db.models import PostedMessage
from bot.errors import NotFound, Refused, TenantMismatch
from bot.feedback import reactions as feedback
from bot.feedback.service import FeedbackCalls
from bot.packets import stored as packets
from bot.packets.builder import classify_ticket_alerts, finish_packet, prepare_packet
from bot.packets.model import Packet
from bot.reporting.service import Reporting
from bot.runtime import telemetry
from bot.runtime.logs import bind_tenant
from bot.runtime.workers import Workers
from bot.tenancy import audit, policy, rollout
from bot.tenancy.policy import Scope, Where
from bot.tenancy.secrets import REDACTION_VERSION, redact
from bot.weblinks.service import Publishing

if TYPE_CHECKING:
    from bot.packets.llm_writer import LlmWriter
    from retrieval import Retriever

T = TypeVar("T")


class Core(Reporting, Publishing, FeedbackCalls):
    def __init__(self, settings: Settings, *, llm_options: dict[str, Any] | None = None,
                 retriever: Retriever | None = None):
        self.settings = settings
        if retriever is not None:  # tests share one loaded model across many cores
            self.__dict__["retriever"] = retriever
        # Passed to litellm.completion as-is; tests use it for mock_response / mock_timeout.
        self.llm_options = llm_options or {}

    @cached_property
    def writer(self) -> LlmWriter | None:
        if not self.settings.llm_model:
            return None
        from bot.packets.llm_writer import LlmWriter

        return LlmWriter(self.settings.llm_model, timeout_s=self.settings.llm_timeout_s,
                         api_base=self.settings.llm_api_base, completion_options=self.llm_options)

    @cached_property
    def workers(self) -> Workers:
        return Workers(core_workers=self.settings.core_workers, model_workers=self.settings.model_workers)

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """A blocking core call from an async front end, on the bounded pool (bot/runtime/workers.py)."""
        return await self.workers.run(fn, *args, **kwargs)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.session, policy=RetryPolicy(attempts=self.settings.post_attempts,
                                                       rounds=self.settings.outbox_rounds))

    @cached_property
    def engine(self) -> Engine:
        return open_database(self.settings)

    def open_for_serving(self) -> Engine:
        """Open the database the way a server must: on PostgreSQL refuse an old schema rather than migrate it
        (``handoff db upgrade`` does that, once); on SQLite upgrade in place as every command does."""
        if "engine" not in self.__dict__:
            self.__dict__["engine"] = open_database(self.settings, serving=True)
        return self.engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @cached_property
    def retriever(self) -> Retriever:
        """Search and indexing (retrieval/); models and index open on first use."""
        from retrieval import Retriever

        return Retriever(self.settings)

    def close(self) -> None:
        if "retriever" in self.__dict__:
            self.retriever.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "workers" in self.__dict__:
            self.workers.close()

    # --- policy ----------------------------------------------------------------

    def refuse(self, where: Where, request: str, exc: Refused) -> None:
        """Audit a refusal in its own transaction (the request's own rolls back)."""
        with self.session() as session:
            audit.record(session, action="refused", where=where, detail={"request": request, "reason": exc.message})

    def check_configuration(self, *, platforms: tuple[str, ...] = ("slack", "teams")) -> None:
        """What a server checks at start, after the database opened: ``ConfigError`` naming the problem."""
        with self.session() as session:
            policy.check_channels(self.settings, session=session, platforms=platforms)

    # --- chat ------------------------------------------------------------------

    def scope_of(self, where: Where) -> Scope | Refused:
        """What ``where`` may see, worked out once per request: the scope, or the refusal that the
        request's handler raises (and audits) unless the request needs no client data (``help``)."""
        with self.session() as session:
            try:
                return policy.scope_for(where, session=session, settings=self.settings)
            except Refused as exc:
                return exc

    def handle_chat(self, text: str, *, where: Where) -> ChatReply:
        """One chat request (Slack slash command, Teams message) to its reply.

        Raises ``HandoffError`` subclasses with a message meant for the user.
        """
        scope = self.scope_of(where)
        # A direct chat that sees one client reads like that client's channel (no client name needed).
        one_client = isinstance(scope, Scope) and (scope.kind == "client" or len(scope.tenants or ()) == 1)
        request = parse(text, client_channel=one_client)
        return self.dispatch(request, where=where, scope=scope)

    def dispatch(self, request: ChatRequest, *, where: Where, scope: Scope | Refused | None = None) -> ChatReply:
        """``scope``: ``scope_of(where)`` when the caller has it; each handler works it out otherwise."""
        if request.kind == "help":
            return USAGE
        if request.kind == "packet":
            assert request.ticket_id is not None
            return self.packet_for(request.ticket_id, where=where, scope=scope)
        if request.kind == "ask":
            assert request.text is not None
            return self.ask(request.text, where=where, client=request.client, scope=scope,
                            client_first=request.client_first)
        if request.kind == "triage":
            return self.triage(where=where, client=request.client, scope=scope)
        if request.kind == "metrics":
            return self.metrics(where=where, client=request.client, scope=scope)
        if request.kind == "report":
            assert request.client is not None and request.month is not None
            return self.report(where=where, client=request.client, month=request.month, scope=scope)
        raise ValueError(f"unhandled chat request {request.kind!r}")

    # --- knowledge ---------------------------------------------------------------

    def ask(self, question: str, *, where: Where, client: str | None = None, limit: int = 5,
            scope: Scope | Refused | None = None, client_first: bool = False) -> Answer:
        """The best sections of one client's knowledge and the shared runbooks for a question, and
        with a model configured a short answer citing them (``bot/packets/answer_writer.py``).

        Only the client the place may see (its own channel's, or the one named
        in a NOC channel); hits below ``ANSWER_FLOOR`` are not shown, so a
        question the knowledge base can't answer gets "nothing found" rather
        than the least bad section. ``client_first``: the question starts with the
        client's id, name or alias, however many words (``ask Acme Dental what is ...``).
        """
        from dataclasses import replace

        from bot.packets.knowledge import answer_hits

        # A question may quote a note with a password in it: it goes to the index, the
        # audit log and back to the channel, so none of them gets the credential.
        question = redact(question)
        try:
            with self.session() as session:
                seen = policy.request_scope(where, known=scope, session=session, settings=self.settings)
                if client_first and client is None:
                    named, rest = store.split_client_name(session=session, text=question)
                    if named is None and not seen.all_clients:  # unknown or another client's: the same answer
                        raise Refused(policy.NOT_HERE)
                    if named is None:
                        raise NotFound(f"No client called {question.split()[0]!r}: start with the client's id, "
                                       "name or alias, e.g. `ask acme how do we restart the Denticore service?`")
                    client, question = named.id, rest
                tenant_id = policy.client_for_request(client, scope=seen, session=session)
                tenant = store.get_tenant(session=session, tenant_id=tenant_id)
                hits = [replace(h, text=redact(h.text), title=redact(h.title))
                        for h in answer_hits(self.retriever, tenant_id=tenant_id, question=question, limit=limit)]
                others = [n for t in store.list_tenants(session=session) if t.id != tenant_id
                          for n in (t.name, *t.aliases)]
                client_name, own_names = tenant.name, [tenant.name, *tenant.aliases]
                audit.record(session, action="answer_shown", where=where, tenant_id=tenant_id,
                             detail={"question": question[:200], "sources": [h.url for h in hits]})
            written = None
            if self.writer is not None and hits:  # the model is called with no session open
                from bot.packets.answer_writer import write_answer

                written = write_answer(self.writer, question=question, hits=hits, other_clients=others,
                                       own_names=own_names)
            return Answer(tenant=tenant_id, client_name=client_name, question=question, hits=hits,
                          written=written.sentences if written else [], note=written.note if written else None)
        except Refused as exc:
            self.refuse(where, "ask", exc)
            raise

    # --- triage ----------------------------------------------------------------

    def triage(self, *, where: Where, client: str | None = None, now: datetime | None = None,
               limit_per_client: int = 10, scope: Scope | Refused | None = None) -> TriageView:
        """Current alert signals: the channel's client, a named client, or (NOC) every client."""
        from bot.alerts import signals as signal_store
        from bot.chat.views import SignalView
        from bot.db import store

        try:
            with self.session() as session:
                seen = policy.request_scope(where, known=scope, session=session, settings=self.settings)
                tenant_ids = policy.clients_in_scope(client, scope=seen, session=session)
                shown, noise, alerts_in = [], 0, 0
                for tenant_id in tenant_ids:
                    tenant = store.get_tenant(session=session, tenant_id=tenant_id)
                    at = now or signal_store.default_now(session=session, tenant_id=tenant_id)
                    views = signal_store.current_signals(session=session, tenant_id=tenant_id, now=at)
                    noise += sum(1 for v in views if v.noise)
                    alerts_in += sum(v.count for v in views)
                    for v in [v for v in views if not v.noise][:limit_per_client]:
                        shown.append(SignalView(  # alert text is posted too: redacted like notes
                            id=v.signal_id, tenant=tenant_id, client_name=tenant.name, title=redact(v.title),
                            representative=redact(v.representative), category=v.category, devices=v.devices,
                            count=v.count, first_seen=v.first_seen, last_seen=v.last_seen, severity=v.severity,
                            firing=v.firing, noise=v.noise, alert_urls=[a.url for a in v.alerts if a.url][:5],
                            root=v.root, effects=v.effects,
                        ))
                    audit.record(session, action="triage_shown", where=where, tenant_id=tenant_id,
                                 detail={"signals": [v.signal_id for v in views if not v.noise][:limit_per_client]})
                label = store.get_tenant(session=session, tenant_id=tenant_ids[0]).name if len(tenant_ids) == 1 \
                    else "all clients" if seen.all_clients else "your clients"
                view = TriageView(scope=label, signals=shown, noise_clusters=noise, alerts_in=alerts_in)
        except Refused as exc:
            self.refuse(where, "triage", exc)
            raise
        return self.publish_triage(view, where)

    # --- packets ---------------------------------------------------------------

    def packet_for(self, ticket_id: str, *, where: Where, rebuild: bool = False, now: datetime | None = None,
                   scope: Scope | Refused | None = None) -> Packet:
        """The packet of a ticket, if ``where`` may see it; reused while nothing changed. It carries
        signed web links for the place it goes to (``publish_packet``) when that place may see its client."""
        packet = self._packet_for(ticket_id, where=where, rebuild=rebuild, now=now, scope=scope)
        return self.publish_packet(packet, packet.delivery.to if packet.delivery else None)

    def _packet_for(self, ticket_id: str, *, where: Where, rebuild: bool = False, now: datetime | None = None,
                    scope: Scope | Refused | None = None) -> Packet:
        """The packet of a ticket, if ``where`` may see it; reused while nothing changed.

        The rollout switch of the ticket's client and category decides here, once,
        for every front end: ``off`` refuses; ``shadow`` builds and stores the packet
        with ``mode="shadow"`` and sends it to the review channel only. The decision
        travels with the packet as ``packet.delivery`` (``bot.tenancy.rollout.Delivery``).
        """
        ticket_id = str(ticket_id).lstrip("#").strip()
        writer = self.writer.name if self.writer else "extractive"
        try:
            # Three short transactions, none open while the model writes: (1) decide and classify
            # new alerts (the one write before building), (2) read the evidence, (3) store the packet.
            with self.session() as session:
                seen = policy.request_scope(where, known=scope, session=session, settings=self.settings)
                ticket = policy.visible_ticket(ticket_id, scope=seen, session=session)
                bind_tenant(ticket.tenant_id)  # the log lines of this request name its client from here on
                decision = rollout.resolve(session=session, tenant_id=ticket.tenant_id, category=ticket.category)
                if decision.mode == "off":
                    raise Refused(f"Handoff is switched off for ticket #{ticket.id}'s client or category "
                                  "(rollout), so no packet was built.")
                state = self._state(session, ticket, writer=writer, mode=decision.mode)
                if not rebuild:
                    stored = packets.latest(session, tenant_id=ticket.tenant_id, ticket_id=ticket.id)
                    # A degraded packet's state names what was unavailable, so it never equals this one.
                    if stored is not None and stored[1] == state:
                        stored[0].delivery = self._delivery(stored[0].mode, where)
                        telemetry.packets_reused.inc()
                        return stored[0]
                classify_ticket_alerts(session=session, ticket=ticket, as_of=now)
            with telemetry.timing_build(writer):
                with self.session() as session:
                    ticket = policy.visible_ticket(ticket_id, scope=seen, session=session)
                    # Classifying may have changed the alerts' markers; store the state as it is now.
                    state = self._state(session, ticket, writer=writer, mode=decision.mode)
                    prepared = prepare_packet(session=session, ticket=ticket, now=now, retriever=self.retriever)
                packet = finish_packet(prepared, now=now, writer=self.writer, model_slot=self.workers.model_slot)
            if prepared.degraded:
                state["degraded"] = prepared.degraded
            with self.session() as session:
                packets.save(session, packet, built_from=state, requested_by=where.user_id,
                             requested_where=where.describe(), mode=decision.mode)
                audit.record(session, action="packet_built", where=where, tenant_id=ticket.tenant_id,
                             detail={"packet_id": packet.packet_id, "ticket": ticket.id, "mode": decision.mode,
                                     "switch": decision.switch, **({"degraded": prepared.degraded}
                                                                   if prepared.degraded else {})})
            packet.delivery = self._delivery(packet.mode, where)
            return packet
        except Refused as exc:
            self.refuse(where, f"packet {ticket_id}", exc)
            raise

    @staticmethod
    def _state(session: Session, ticket: Any, *, writer: str, mode: str) -> dict[str, Any]:
        """What a stored packet must match to be reused: its inputs, writer, mode and redaction."""
        # a mode change builds a new packet, counted under its mode; packets stored before redaction are rebuilt
        return {**packets.state_of(session, ticket), "writer": writer, "mode": mode, "redaction": REDACTION_VERSION}

    def _delivery(self, mode: str, asked: Where) -> rollout.Delivery:
        """The one routing rule: on = where asked; shadow = the platform's review channel (or nowhere)."""
        if mode == "on" or asked.platform == "cli":  # the operator's own terminal is not a channel
            return rollout.Delivery(mode, to=asked, asked=asked)
        review = policy.review_channel(self.settings, asked.platform)
        if review is None:
            return rollout.Delivery(mode, to=None, asked=asked)
        to = Where(asked.platform, review, asked.user_id, thread_id=asked.thread_id if asked.channel_id == review
                   else None)
        return rollout.Delivery(mode, to=to, asked=asked)

    def record_posted(
        self, packet: Packet, *, where: Where, message_id: str, thread_id: str | None = None, kind: str = "packet"
    ) -> PostedMessage:
        """After a front end posted a packet: remember the message, audit what was shown."""
        review = policy.review_channel(self.settings, where.platform)
        if packet.mode != "on" and where.platform != "cli" and (review is None or where.channel_id != review):
            # A front end posted a shadow packet outside the review channel: a bug, loudly.
            raise TenantMismatch(f"shadow packet {packet.packet_id} recorded as posted in {where.describe()}")
        with self.session() as session:
            posted = feedback.record_posted(
                session, tenant_id=packet.ticket.tenant, packet_pk=packet.packet_id, platform=where.platform,
                channel=where.channel_id or "direct", message_id=message_id, thread_id=thread_id, kind=kind,
                requested_by=where.user_id,
            )
            audit.record(session, action=f"{kind}_posted", where=where, tenant_id=packet.ticket.tenant, detail={
                "packet_id": packet.packet_id, "ticket": packet.ticket.id, "message_id": message_id,
                "mode": packet.mode, "sources": sorted({s.url for c in packet.claims for s in c.sources}),
            })
            return posted

    # --- delivery (front ends posting and re-showing packets) -------------------

    def posted_packet(self, *, where: Where, message_id: str) -> Packet:
        """The packet behind a message Handoff posted in ``where``, if that place may still see it.

        For a button on a packet message: the message (channel + id) names the
        packet; nothing the click carries is trusted.
        """
        try:
            with self.session() as session:
                posted = feedback.find_posted(session, platform=where.platform, channel=where.channel_id or "direct",
                                              message_id=message_id)
                if posted is None or posted.packet_pk is None:
                    raise NotFound("That message isn't a Handoff packet.")
                scope = policy.scope_for(where, session=session, settings=self.settings)
                if not scope.allows(posted.tenant_id):
                    raise Refused(policy.NOT_HERE)
                packet = packets.get(session, tenant_id=posted.tenant_id, packet_id=posted.packet_pk)
                # The rest of a packet goes where its first part is: the review channel for a shadow packet.
                packet.delivery = rollout.Delivery(packet.mode, to=where, asked=where)
        except Refused as exc:
            self.refuse(where, f"posted packet {message_id}", exc)
            raise
        return self.publish_packet(packet, where)

    def home_channels(self, ticket_id: str, *, platform: str) -> list[str]:
        """The chat channels of a ticket's client (tenants.yaml), where an unprompted packet goes."""
        with self.session() as session:
            ticket = store.find_ticket(session=session, ticket_id=str(ticket_id).lstrip("#").strip())
            tenant = store.get_tenant(session=session, tenant_id=ticket.tenant_id)
            return list(tenant.slack_channels if platform == "slack" else tenant.teams_channels)

    # --- proactive posts ---------------------------------------------------------

    def remember_conversation(self, *, platform: str, channel_id: str, reference: dict[str, Any]) -> None:
        """Keep (or refresh) the platform's reference for posting into this channel later."""
        with self.session() as session:
            conversations.save(session, platform=platform, channel_id=channel_id, reference=reference)

    def forget_conversation(self, *, platform: str, channel_id: str) -> bool:
        with self.session() as session:
            return conversations.forget(session, platform=platform, channel_id=channel_id)

    def conversation_reference(self, *, platform: str, channel_id: str) -> dict[str, Any] | None:
        with self.session() as session:
            return conversations.get(session, platform=platform, channel_id=channel_id)

"""The core's feedback calls (reactions, corrections, wrong-citation flags), as ``Core`` methods.

``Core`` inherits this, like ``bot/reporting/service.py``, so ``bot/core.py`` stays a
readable facade. Every call finds the posted message first: feedback on a message
that is not a packet Handoff posted is ignored (None), never guessed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.db.models import Feedback, PostedMessage
from bot.feedback import reactions as feedback


class FeedbackCalls:
    if TYPE_CHECKING:  # provided by Core
        def session(self) -> AbstractContextManager[Session]: ...

    def _posted(self, session: Session, platform: str, channel: str, message_id: str) -> PostedMessage | None:
        return feedback.find_posted(session, platform=platform, channel=channel, message_id=message_id)

    def accept(self, *, platform: str, channel: str, message_id: str, user_id: str,
               at: datetime | None = None, claim_id: str | None = None) -> Feedback | None:
        """The packet (or, with ``claim_id``, one claim of it) is right as written."""
        with self.session() as session:
            posted = self._posted(session, platform, channel, message_id)
            if posted is None:
                return None
            return feedback.record_accept(session, posted=posted, user_id=user_id, at=at, claim_id=claim_id)

    def start_correction(self, *, platform: str, channel: str, message_id: str, user_id: str,
                         at: datetime | None = None) -> Feedback | None:
        with self.session() as session:
            posted = self._posted(session, platform, channel, message_id)
            return feedback.start_correction(session, posted=posted, user_id=user_id, at=at) if posted else None

    def finish_correction(self, *, platform: str, channel: str, message_id: str, user_id: str,
                          at: datetime | None = None, how: str = "reaction removed") -> Feedback | None:
        with self.session() as session:
            posted = self._posted(session, platform, channel, message_id)
            if posted is None:
                return None
            return feedback.finish_correction(session, posted=posted, user_id=user_id, at=at, how=how)

    def thread_reply(self, *, platform: str, channel: str, thread_id: str, user_id: str,
                     at: datetime | None = None) -> list[Feedback]:
        """An engineer replied in a packet's thread: that ends their open correction there."""
        with self.session() as session:
            done = []
            for posted in feedback.posted_in_thread(session, platform=platform, channel=channel, thread_id=thread_id):
                finished = feedback.finish_correction(session, posted=posted, user_id=user_id, at=at, how="thread reply")
                if finished is not None:
                    done.append(finished)
            return done

    def flag_citation(self, *, platform: str, channel: str, message_id: str, claim_id: str, user_id: str,
                      at: datetime | None = None) -> Feedback | None:
        with self.session() as session:
            posted = self._posted(session, platform, channel, message_id)
            if posted is None:
                return None
            return feedback.flag_citation(session, posted=posted, claim_id=claim_id, user_id=user_id, at=at)

    def reaction(self, *, key: str, how: str, platform: str, channel: str, message_id: str, user_id: str,
                 at: datetime | None = None) -> Feedback | None:
        """A reaction event, its delivery key and its feedback in one transaction (``how``: accept, start,
        finish); None for a retry of a recorded one or a message that isn't a packet."""
        with self.session() as session:
            if not feedback.first_delivery(session, platform=platform, key=key):
                return None
            posted = self._posted(session, platform, channel, message_id)
            if posted is None:
                return None
            if how == "accept":
                return feedback.record_accept(session, posted=posted, user_id=user_id, at=at)
            if how == "start":
                return feedback.start_correction(session, posted=posted, user_id=user_id, at=at)
            return feedback.finish_correction(session, posted=posted, user_id=user_id, at=at, how="reaction removed")

    def first_delivery(self, *, platform: str, key: str) -> bool:
        """False when this platform delivery (event id, retry) was already handled."""
        with self.session() as session:
            return feedback.first_delivery(session, platform=platform, key=key)

"""``bot.errors.user_text``: the one mapping from an error to what Slack, Teams and the CLI show."""

from __future__ import annotations

import logging

import pytest

from bot.chat.escalation import parse_request
from bot.errors import BadInput, DeliveryFailed, NotFound, Refused, TenantMismatch, user_text


@pytest.mark.parametrize("exc", [NotFound("no ticket #9"), Refused("Not here."), BadInput("`x`: bad"),
                                 DeliveryFailed("Handoff can't post in this conversation.")])
def test_a_users_error_is_its_own_message_without_an_id(exc: Exception, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="handoff"):
        assert user_text(exc, request="slack /packet") == (str(exc), None)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("exc", [RuntimeError("db password is hunter2"), TenantMismatch("acme data for ridge")])
def test_anything_else_gets_a_fresh_id_that_is_logged_and_hides_the_exception(
        exc: Exception, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="handoff"):
        text, error_id = user_text(exc, request="teams message")
        again, other_id = user_text(exc, request="teams message")
    assert error_id and other_id and error_id != other_id and len(error_id) == 10
    assert f"(error id {error_id})" in text and str(exc) not in text
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[1] is exc and "teams message" in record.getMessage()


@pytest.mark.parametrize("body, key, expected", [
    ({"ticket_id": "4412"}, None, ("4412", None)),
    ({"ticket": 4412, "delivery_id": 7}, None, ("4412", "7")),
    ({"ticket_id": "#4412", "delivery_id": "a"}, "psa-1", ("4412", "psa-1")),  # the header wins
])
def test_escalation_request_parsing(body: object, key: str | None, expected: tuple[str, str | None]) -> None:
    assert parse_request(body, idempotency_key=key) == expected


@pytest.mark.parametrize("body", [["4412"], {}, {"ticket_id": True}, {"ticket_id": "44 12"}, {"ticket": 1.5},
                                  {"ticket_id": "1234567890123"}])
def test_escalation_request_parsing_names_the_field(body: object) -> None:
    with pytest.raises(BadInput, match="ticket_id|JSON object"):
        parse_request(body, idempotency_key=None)

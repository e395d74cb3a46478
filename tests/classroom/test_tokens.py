"""Join codes, presenter tokens and their constant-time check."""

from __future__ import annotations

import hmac

import pytest

from app.classroom import tokens
from app.classroom.tokens import (
    JOIN_CODE_ALPHABET,
    new_join_code,
    new_presenter_token,
    normalize_join_code,
    token_digest,
    token_matches,
)


def test_join_codes_use_the_unambiguous_alphabet() -> None:
    codes = {new_join_code() for _ in range(200)}

    assert all(len(code) == 6 and set(code) <= set(JOIN_CODE_ALPHABET) for code in codes)
    assert len(codes) > 190  # drawn, not fixed
    assert not set("01ILO") & set(JOIN_CODE_ALPHABET)


@pytest.mark.parametrize(("typed", "code"), [
    ("k7mpq2", "K7MPQ2"), (" K7M-PQ2 ", "K7MPQ2"), ("K7M PQ2", "K7MPQ2"), ("K7MPQ", None), ("K7MPQ0", None),
    ("K7MPQ2X", None), ("", None),
])
def test_a_typed_code_is_read_case_insensitively(typed: str, code: str | None) -> None:
    assert normalize_join_code(typed) == code


def test_the_presenter_token_has_at_least_128_bits() -> None:
    token = new_presenter_token()

    assert len(token) >= 43  # 32 bytes in URL-safe base64
    assert token != new_presenter_token()


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", recording_compare)
    token = new_presenter_token()

    assert token_matches(token, token_digest(token)) is True
    assert token_matches(token[:-1] + "x", token_digest(token)) is False
    assert len(calls) == 2  # both answers came from hmac.compare_digest

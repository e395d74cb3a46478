"""Join codes, presenter tokens, student ids and epochs, all drawn with `secrets`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: a code read off a projector is typed right the first time. 31⁶ ≈ 8.9 × 10⁸ codes.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 6
PRESENTER_TOKEN_BYTES = 32  # 256 bits
STUDENT_ID_BYTES = 16


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalize_join_code(text: str) -> str | None:
    """The code in canonical form (upper case, spaces and dashes dropped), or None when it cannot be a code."""
    code = text.strip().replace(" ", "").replace("-", "").upper()
    if len(code) != JOIN_CODE_LENGTH or any(char not in JOIN_CODE_ALPHABET for char in code):
        return None
    return code


def new_presenter_token() -> str:
    return secrets.token_urlsafe(PRESENTER_TOKEN_BYTES)


def token_digest(token: str) -> bytes:
    """What a store keeps instead of the token itself."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def token_matches(token: str, digest: bytes) -> bool:
    """Constant-time comparison, so the time taken says nothing about how much of a guess was right."""
    return hmac.compare_digest(token_digest(token), digest)


def new_student_id() -> str:
    return secrets.token_urlsafe(STUDENT_ID_BYTES)


def new_seed() -> str:
    """A room's secret seed for its students' own numbers (256 bits: no one finds it by trying)."""
    return secrets.token_hex(32)


def new_epoch() -> str:
    return secrets.token_hex(8)

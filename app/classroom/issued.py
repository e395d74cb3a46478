"""The join codes this server issued lately, in one small file under the state directory (BACKPROP_STATE_DIR).

The in-process room store forgets its rooms when the server stops. A student who types the code of a class that
ran before the restart must still be told that the class has ended, while a mistyped code is told to check it:
so each code is written here when its room is created and again when it ends, with the wall-clock time, and the
next server process reads the file back. A code is kept for ENDED_SECONDS after its last write (as the Redis store
keeps `ended:{code}`), the file at most MAX_CODES codes (the newest). Each write reads the file first (another
server may use the same directory, on another port) and replaces it whole, atomically. A file that cannot be
read or written costs only this: old codes are "unknown" after a restart.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import orjson

FILE_NAME = "class-codes.json"
FORMAT = "backprop-explorer-class-codes"
ENDED_SECONDS = 24 * 3600  # how long a code is remembered after its class ended (both stores)
MAX_CODES = 10_000  # ≈ 250 KB of file; a server issues a few dozen codes a day

log = logging.getLogger(__name__)


class IssuedCodes:
    """Codes and when they were last written (created or ended), oldest first; `path` None keeps them in memory."""

    def __init__(self, path: Path | None, *, keep_seconds: float = ENDED_SECONDS, max_codes: int = MAX_CODES,
                 clock: Callable[[], float] = time.time) -> None:
        self.path, self.keep_seconds, self.max_codes, self.clock = path, keep_seconds, max_codes, clock
        self._codes: OrderedDict[str, float] = OrderedDict()
        if path is not None:
            self._merge(self._read(path))

    @classmethod
    def in_dir(cls, state_dir: str) -> IssuedCodes:
        return cls(Path(state_dir) / FILE_NAME if state_dir else None)

    def codes(self) -> dict[str, float]:
        """Every code still remembered, with its time."""
        self._forget_old()
        return dict(self._codes)

    def knows(self, code: str) -> bool:
        self._forget_old()
        return code in self._codes

    def write(self, code: str) -> None:
        """`code` was issued or its class ended now."""
        if self.path is not None:  # another server on this state directory (another port) may have written too
            self._merge(self._read(self.path, quiet=True))
        self._merge({code: self.clock()})
        if self.path is not None:
            self._save(self.path)

    def _merge(self, codes: dict[str, float]) -> None:
        """Take `codes` in (the later time of a code wins), oldest first, the newest `max_codes` kept."""
        merged = dict(self._codes)
        for code, at in codes.items():
            merged[code] = max(at, merged.get(code, at))
        self._codes = OrderedDict(sorted(merged.items(), key=lambda item: item[1])[-self.max_codes:])
        self._forget_old()

    def _forget_old(self) -> None:
        cutoff = self.clock() - self.keep_seconds
        while self._codes and next(iter(self._codes.values())) < cutoff:
            self._codes.popitem(last=False)

    @staticmethod
    def _read(path: Path, *, quiet: bool = False) -> dict[str, float]:
        """The codes in the file; a problem is logged when the server starts (`quiet` on later reads)."""
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as error:
            if not quiet:
                log.warning("the issued join codes in %s were not read (%s): old codes will be unknown", path,
                            error)
            return {}
        codes = data.get("codes") if isinstance(data, dict) and data.get("format") == FORMAT else None
        if not isinstance(codes, dict):
            if not quiet:
                log.warning("%s is not a %s file: old codes will be unknown", path, FORMAT)
            return {}
        return {code: float(at) for code, at in codes.items() if isinstance(at, int | float) and math.isfinite(at)}

    def _save(self, path: Path) -> None:
        part = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            part.write_bytes(orjson.dumps({"format": FORMAT, "codes": self._codes}))
            os.replace(part, path)
        except OSError as error:
            log.warning("the issued join codes were not written to %s (%s): after a restart they are unknown",
                        path, error)
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)

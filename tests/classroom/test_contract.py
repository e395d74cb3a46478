"""The classroom contract is Python's (app/classroom/protocol.py): the page handles exactly the frames the
server sends, sends only messages the server knows, and holds no close code or path of its own."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient

from app.classroom import protocol
from app.classroom.handlers import HANDLERS
from app.main import create_app
from app.settings import Settings
from tests.helpers import BASE_URL

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM_JS = ROOT / "static" / "js" / "classroom"
CONTROLLER = ("classroom.js", "class-state.js", "connection.js", "frames.js", "follower.js", "presenter.js", "student.js",
              "questions.js", "api.js", "protocol.js")


def page_tables() -> dict[str, list[str]]:
    """The page's frame handlers and the store's command types, as Node loads the real modules."""
    script = f"""
    const {{ FRAMES }} = await import({json.dumps((CLASSROOM_JS / "frames.js").as_uri())});
    const {{ ORDERED_FRAMES }} = await import({json.dumps((CLASSROOM_JS / "follower.js").as_uri())});
    const {{ COMMANDS }} = await import({json.dumps((ROOT / "static" / "js" / "store" / "commands.js").as_uri())});
    console.log(JSON.stringify({{ frames: Object.keys(FRAMES), ordered: Object.keys(ORDERED_FRAMES),
                                  commands: Object.keys(COMMANDS) }}));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=60)
    return json.loads(out.stdout)


def test_the_page_handles_every_frame_the_server_sends_and_no_other() -> None:
    tables = page_tables()

    assert sorted(tables["ordered"]) == sorted(protocol.ORDERED_MESSAGES)
    assert sorted(tables["frames"] + tables["ordered"]) == sorted(protocol.SERVER_MESSAGES)


def test_the_server_sends_exactly_the_frames_the_contract_lists() -> None:
    sent = set()
    for source in (ROOT / "app" / "classroom").glob("*.py"):
        sent |= set(re.findall(r'"type": "(\w+)"', source.read_text()))

    assert sent - {"hello"} == set(protocol.SERVER_MESSAGES)
    assert set(HANDLERS) | {"hello"} == set(protocol.CLIENT_MESSAGES)


def test_the_page_sends_only_messages_the_server_knows() -> None:
    commands = set(page_tables()["commands"])  # the store's commands (hover, restore) are not messages
    written = set()
    for name in CONTROLLER:
        written |= set(re.findall(r'type: "(\w+)"', (CLASSROOM_JS / name).read_text()))

    assert written - commands <= set(protocol.CLIENT_MESSAGES)
    assert {"hello", "command", "lock", "projector", "progress", "answer", "resync"} <= written


def test_no_script_holds_a_close_code_or_a_path_of_the_protocol() -> None:
    codes = "|".join(str(code) for code in protocol.CLOSE_CODES.values())
    for source in (ROOT / "static" / "js").rglob("*.js"):
        text = source.read_text()
        assert not re.search(rf"\b({codes})\b", text), source
        assert "/api/class" not in text, source


def test_the_page_gets_the_contract_with_this_servers_settings() -> None:
    settings = Settings(class_heartbeat_seconds=7)
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        page = client.get("/").text

    rendered = json.loads(html.unescape(re.search(r'data-class-protocol="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    assert rendered == json.loads(json.dumps(protocol.contract(settings)))
    assert rendered["heartbeat_seconds"] == 7 and rendered["version"] == protocol.PROTOCOL_VERSION

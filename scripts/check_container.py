"""Checks of the image and its running container, from the host (scripts/verify-container.sh runs them):

    check_container.py http CONTAINER_URL LOCAL_URL ROOM_JSON [PUBLIC_URL]
    check_container.py packages LOCK MARKER_ENV INSTALLED BASE_INSTALLED
    check_container.py layers IMAGE_ARCHIVE BASE_ARCHIVE

http: CONTAINER_URL is the published port (http://127.0.0.1:P), LOCAL_URL a server run from the same checkout
outside the container (its /api/trace answers must be the same), ROOM_JSON the answer of the
`POST /api/class/rooms` that started a class in the container.
packages: the image holds exactly the lock's packages (those whose markers hold in the image), the project and
whatever its base image already had; files: MARKER_ENV the image's marker environment (JSON), INSTALLED and
BASE_INSTALLED `name==version` lines.
layers: no layer of the saved image (`docker save`/`podman save`) holds a wheel its base image did not have.
Prints one line per check; exits 1 if any failed.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from websockets.sync.client import connect

failures: list[str] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}".rstrip())
    if not ok:
        failures.append(name)


def request(base: str, path: str, body: object = None, headers: dict[str, str] | None = None
            ) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    sent = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    req = urllib.request.Request(base + path, data=data, headers=sent, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def static_refs(html: bytes) -> list[str]:
    return sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html.decode())))


def check_page(base: str) -> None:
    status, _, body = request(base, "/healthz")
    check("GET /healthz", status == 200 and json.loads(body) == {"status": "ok"}, status)
    status, headers, page = request(base, "/")
    check("GET / is the page", status == 200 and headers.get("content-type", "").startswith("text/html"), status)
    refs = static_refs(page)
    script = next((r for r in refs if r.startswith("/static/bundle/main-") and r.endswith(".js")), None)
    style = next((r for r in refs if r.startswith("/static/bundle/") and r.endswith(".css")), None)
    check("the page loads the bundle (one script, one stylesheet)", bool(script and style), " ".join(refs))
    for ref in refs:
        status, headers, body = request(base, ref)
        check(f"GET {ref}", status == 200 and len(body) > 0, f"{status} {len(body)} bytes")
    if script:
        status, headers, _ = request(base, script, headers={"Accept-Encoding": "br, gzip"})
        check("the bundle is served precompressed (br) and immutable",
              headers.get("content-encoding") == "br" and "immutable" in headers.get("cache-control", ""),
              f"{headers.get('content-encoding')} {headers.get('cache-control')}")
    if style:
        _, _, css = request(base, style)
        fonts = sorted({u.strip("'\"") for u in re.findall(r"url\(([^)]+)\)", css.decode()) if ".woff2" in u})
        missing = []
        for font in fonts:
            path = urllib.parse.urljoin(base + style, font)[len(base):]
            status, headers, body = request(base, path)
            if status != 200 or not body or "font" not in headers.get("content-type", ""):
                missing.append(f"{path} {status} {headers.get('content-type')}")
        check(f"every font the stylesheet names is served ({len(fonts)} woff2)", bool(fonts) and not missing,
              " ".join(missing[:3]))
    status, _, docs = request(base, "/docs")
    check("GET /docs (Swagger UI, served by the app)", status == 200, status)
    for ref in static_refs(docs):
        status, _, body = request(base, ref)
        check(f"GET {ref}", status == 200, f"{status} {len(body)} bytes")


def check_trace(base: str, local: str) -> None:
    status, _, body = request(base, "/api/presets")
    presets = json.loads(body)["presets"] if status == 200 else []
    check("GET /api/presets", bool(presets), f"{status} {[p['id'] for p in presets]}")
    for preset in presets:
        status, _, answer = request(base, "/api/trace", preset["request"])
        local_status, _, expected = request(local, "/api/trace", preset["request"])
        same = status == local_status == 200 and json.loads(answer) == json.loads(expected)
        check(f"POST /api/trace ({preset['id']}) equals the local server's answer", same,
              f"{status} {len(answer)} bytes{', byte for byte' if answer == expected else ''}")


def check_room(base: str, room: dict, public_url: str | None) -> None:
    code = room.get("code", "")
    check("a class started in the container", bool(code), f"code={code} student_urls={room.get('student_urls')}")
    if not code:
        return
    if public_url:
        check("its student links use BACKPROP_PUBLIC_URL",
              all(url.startswith(public_url.rstrip("/") + "/") for url in room["student_urls"]), room["student_urls"])
    status, _, body = request(base, f"/api/class/rooms/{code}")
    check("GET /api/class/rooms/{code} through the published port", status == 200, f"{status} {body[:80]!r}")
    status, headers, body = request(base, f"/api/class/rooms/{code}/qr.svg")
    check("its QR code", status == 200 and headers.get("content-type", "").startswith("image/svg"), status)
    ws_url = "ws" + base.removeprefix("http") + room["ws_path"]
    with connect(ws_url, open_timeout=10, close_timeout=2) as socket:
        socket.send(json.dumps({"type": "hello", "code": code, "role": "student"}))
        welcome = json.loads(socket.recv(timeout=10))
    check("a student joins over the WebSocket", welcome.get("type") == "welcome" and welcome.get("code") == code,
          {k: welcome.get(k) for k in ("type", "role", "code", "lifecycle")})


def pins(lines: str) -> set[str]:
    """{"name==version"} of `name==version` lines, names normalised."""
    found = set()
    for line in lines.splitlines():
        name, _, version = line.strip().partition("==")
        if version:
            found.add(f"{canonicalize_name(name)}=={version}")
    return found


def check_packages(lock: str, environment: str, installed: str, base_installed: str) -> None:
    env = json.loads(Path(environment).read_text())
    expected = set()
    for line in Path(lock).read_text().splitlines():
        if line[:1].isalnum():
            requirement, _, marker = line.rstrip(" \\\n").partition(";")
            if not marker.strip() or Marker(marker.strip()).evaluate(env):
                expected |= pins(requirement)
    added = pins(Path(installed).read_text()) - pins(Path(base_installed).read_text())
    project = {p for p in added if p.startswith("backprop-explorer==")}
    unlocked, missing = sorted(added - project - expected), sorted(expected - added)
    check("the image adds exactly the lock's packages and the project", not unlocked and not missing and len(project) == 1,
          f"{len(expected)} locked; not locked: {unlocked}; missing: {missing}")


def wheels_in_layers(archive: str) -> set[str]:
    """The paths of every *.whl in any layer of a saved image, deleted in a later layer or not."""
    wheels = set()
    with tarfile.open(archive) as image:
        for member in image:
            if not member.isfile():
                continue
            try:
                with tarfile.open(fileobj=image.extractfile(member), mode="r:*") as layer:
                    wheels |= {name for name in layer.getnames() if name.endswith(".whl")}
            except tarfile.ReadError:
                continue  # a manifest or a config, not a layer
    return wheels


def check_layers(archive: str, base_archive: str) -> None:
    wheels = wheels_in_layers(archive) - wheels_in_layers(base_archive)
    check("no image layer holds a wheel (the base image's own aside)", not wheels, sorted(wheels)[:3])


def main(argv: list[str]) -> int:
    what, args = argv[1], argv[2:]
    if what == "http":
        base, local, room_json = args[:3]
        check_page(base)
        check_trace(base, local)
        check_room(base, json.loads(room_json or "{}"), args[3] if len(args) > 3 and args[3] else None)
    elif what == "packages":
        check_packages(*args)
    elif what == "layers":
        check_layers(*args)
    else:
        raise SystemExit(__doc__)
    print(f"{len(failures)} failure(s){': ' + ', '.join(failures) if failures else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

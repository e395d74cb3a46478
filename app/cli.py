"""Command line: `backprop-explorer serve [--host H] [--port P] [--workers N]` (also `python -m app serve`)."""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Sequence

import uvicorn

from app import __version__
from app.classroom.teacher import new_teacher_key, teacher_link
from app.classroom.addresses import hall_hint, local_interfaces, student_hosts, url_host
from app.server import uvicorn_config
from app.settings import Settings, default_workers


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    """The argument parser; defaults come from the BACKPROP_* environment."""
    parser = argparse.ArgumentParser(prog="backprop-explorer", description="Backprop Explorer web app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=settings.host, help=f"address to listen on (default {settings.host})")
    serve.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    serve.add_argument("--log-level", default=settings.log_level, help=f"uvicorn log level (default {settings.log_level})")
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes sharing the port (default 1); more than 1 needs BACKPROP_REDIS_URL, "
                            "where their classrooms meet, and BACKPROP_TEACHER_KEY, which they share")
    serve.add_argument("--forwarded-allow-ips", default=settings.forwarded_allow_ips or None, metavar="IPS",
                       help="comma-separated addresses (or networks, or *) of the reverse proxies whose "
                            "X-Forwarded-For and X-Forwarded-Proto are believed (default: "
                            "BACKPROP_FORWARDED_ALLOW_IPS, else FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1); the "
                            "client address then comes from the proxy, so each student's join budget is their own")
    return parser


def listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket up front, so a busy port is a clear message rather than a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def browser_url(host: str, port: int) -> str:
    """The URL to open in a browser for a server listening on host:port."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def class_lines(host: str, port: int, public_url: str = "") -> list[str]:
    """What the console says about classroom mode: where students connect, or how to let them."""
    if public_url:
        return [f"Classroom mode: students open {public_url}/join (BACKPROP_PUBLIC_URL)"]
    hint = hall_hint(host)
    if hint is not None:
        return [f"Classroom mode: {hint}."]
    hosts = student_hosts(host, local_interfaces())
    return [f"Classroom mode: students open http://{url_host(hosts[0])}:{port}/join"
            + (f" (other addresses: {', '.join(hosts[1:])})" if len(hosts) > 1 else "")]


def with_teacher_key(settings: Settings, base_url: str) -> tuple[Settings, str]:
    """The settings with a teacher key (a new one unless BACKPROP_TEACHER_KEY gives it), and the line that says
    how to start a class with it. A key from the environment is not printed: logs are read by others."""
    if settings.teacher_key:
        return settings, ("Teacher link (starts classes from any machine): "
                          f"{teacher_link(base_url, '<BACKPROP_TEACHER_KEY>')}")
    settings = dataclasses.replace(settings, teacher_key=new_teacher_key())
    return settings, (f"Teacher link (starts classes from any machine; keep it to yourself): "
                      f"{teacher_link(base_url, settings.teacher_key)}")


def serve(settings: Settings, workers: int = 1) -> int:
    """Run the server in this process until interrupted; the return value is the exit code."""
    host, port = settings.host, settings.port
    try:
        sock = listen(host, port)
    except OSError as error:
        print(f"error: cannot listen on {host}:{port} ({error.strerror}); is another server running? "
              "Choose another port with --port.", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    print(f"Backprop Explorer {__version__}: open {browser_url(host, port)}  (Ctrl+C to stop)", flush=True)
    print(*class_lines(host, port, settings.public_url), sep="\n", flush=True)
    settings, line = with_teacher_key(settings, settings.public_url or browser_url(host, port))
    print(line, flush=True)
    # The app is built from these settings, so it knows where it listens: it offers students an
    # address they can reach (app/classroom/addresses.py).
    settings = dataclasses.replace(settings, port=port)
    if workers == 1:
        _serve_one(settings, sock)
        return 0
    return _serve_many(settings, sock, workers)


def _serve_one(settings: Settings, sock: socket.socket) -> None:
    from app.main import create_app  # here, so `--help` does not build the app

    uvicorn.Server(uvicorn_config(settings, create_app(settings))).run(sockets=[sock])


def _serve_many(settings: Settings, sock: socket.socket, workers: int) -> int:
    """`workers` forked processes accepting on the one listening socket; stopped together on Ctrl+C / SIGTERM."""
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_serve_one, args=(settings, sock), name=f"worker-{n}") for n in range(workers)]
    for child in children:
        child.start()

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    return 0


def workers_refusal(workers: int, settings: Settings) -> str | None:
    """Why `--workers` cannot be used as given, or None."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers > 1 and not settings.redis_url:
        return (f"--workers {workers} needs BACKPROP_REDIS_URL (e.g. redis://127.0.0.1:6379/0): a class lives in "
                "the process its presenter reached, and without Redis students served by another process would "
                "never see it. Start Redis and set BACKPROP_REDIS_URL, or run one worker.")
    if workers > 1 and not settings.teacher_key:
        return (f"--workers {workers} needs BACKPROP_TEACHER_KEY: every process must accept the same teacher key "
                "(make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `backprop-explorer` console script."""
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args = build_parser(settings).parse_args(argv)
    if args.command == "serve":
        refusal = workers_refusal(args.workers, settings)
        if refusal is not None:
            print(f"error: {refusal}", file=sys.stderr)
            return 2
        settings = dataclasses.replace(settings, host=args.host, port=args.port, log_level=args.log_level,
                                       forwarded_allow_ips=args.forwarded_allow_ips or "")
        if args.workers > 1 and "BACKPROP_CPU_WORKERS" not in os.environ:
            # Each process's CPU pool gets its share of the cores.
            settings = dataclasses.replace(
                settings, cpu_workers=default_workers({**os.environ, "WEB_CONCURRENCY": str(args.workers)}))
        return serve(settings, args.workers)
    return 2

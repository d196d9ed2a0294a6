"""The preview's HTTP server: the standard library's `http.server`, in threads, on 127.0.0.1.

    GET /                 the page (typeset/watch/page.py: HTML, CSS and a script, all inline:
                          it loads nothing from anywhere else and works offline)
    GET /state            the preview's state as JSON (pages with their versions, spreads, the
                          error, the status line)
    GET /events           server-sent events: one `data: <generation>` each time the state
                          changes (and a comment every 15 s to keep the connection open);
                          the page then asks for /state and fetches the pages whose version
                          changed
    GET /page/<i>.png     page i's PNG as it is now (the page adds `?v=<version>`, so a new
                          version is a new address and the browser's cache never shows an
                          old page)
    GET /font             a font of the issue's layout (OpenType or TrueType), in which the
                          page sets its Chinese labels when the browser has no CJK font

Only 127.0.0.1 is listened on, and a request must name this server in its Host header
(127.0.0.1 or localhost with this port): a web page elsewhere cannot read the preview through
a DNS name pointed at this machine. Nothing is ever written to disk here.
"""
from __future__ import annotations

import errno
import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typeset.errors import TypesetError
from typeset.watch.preview import Preview

HOST = "127.0.0.1"
KEEPALIVE = 15.0          # s between comments on an idle event stream
FONT_LIMIT = 64 * 1024 * 1024

_PAGE = re.compile(r"/page/(\d{1,6})\.png")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False          # a port in use is in use (no SO_REUSEADDR sharing)

    def __init__(self, address, handler, preview: Preview):
        super().__init__(address, handler)
        self.preview = preview

    def handle_error(self, request, client_address):     # a browser that went away: silence
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "typeset-watch"
    sys_version = ""

    def log_message(self, format, *args):     # noqa: A002 — no access log on the terminal
        pass

    def _allowed_host(self) -> bool:
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _send(self, status: int, body: bytes, ctype: str, *, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):           # noqa: N802
        self.do_GET()

    def do_GET(self):            # noqa: N802
        if not self._allowed_host():
            self._send(421, b"this server answers only to 127.0.0.1 and localhost\n",
                       "text/plain; charset=utf-8")
            return
        path = self.path.split("?", 1)[0]
        preview = self.server.preview
        if path == "/":
            from typeset.watch.page import page_html
            self._send(200, page_html(preview.snapshot()).encode("utf-8"),
                       "text/html; charset=utf-8")
        elif path == "/state":
            body = json.dumps(preview.snapshot().as_json(), ensure_ascii=False)
            self._send(200, body.encode("utf-8"), "application/json; charset=utf-8")
        elif path == "/events":
            self._events()
        elif (m := _PAGE.fullmatch(path)) is not None:
            page = preview.page(int(m.group(1)))
            if page is None:
                self._send(404, b"no such page\n", "text/plain; charset=utf-8")
            else:
                self._send(200, page.png, "image/png", cache="private, max-age=31536000")
        elif path == "/font":
            self._font()
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._send(404, f"not found: {html.escape(path)}\n".encode("utf-8"),
                       "text/plain; charset=utf-8")

    def _font(self) -> None:
        """The issue's font file (only the one the preview names: no other path is read)."""
        from typeset.fileread import read_limited

        font = self.server.preview.snapshot().font
        data = None
        if font:
            try:
                data = read_limited(font, FONT_LIMIT)
            except (OSError, ValueError):
                data = None
        if data is None:
            self._send(404, b"no font\n", "text/plain; charset=utf-8")
            return
        ctype = "font/ttf" if font.lower().endswith(".ttf") else "font/otf"
        self._send(200, data, ctype, cache="private, max-age=3600")

    def _events(self) -> None:
        preview = self.server.preview
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        state = preview.snapshot()
        try:
            self.wfile.write(f"retry: 1000\ndata: {state.generation}\n\n".encode())
            self.wfile.flush()
            while not state.closing:
                now = preview.wait_change(state.generation, KEEPALIVE)
                if now.generation == state.generation and not now.closing:
                    self.wfile.write(b": still here\n\n")
                else:
                    self.wfile.write(f"data: {now.generation}\n\n".encode())
                self.wfile.flush()
                state = now
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass


class PreviewServer:
    """The server in a thread of its own (`start`, `stop`); `url` says where it is."""

    def __init__(self, preview: Preview, port: int | None = None):
        try:
            self._httpd = _Server((HOST, port or 0), _Handler, preview)
        except OSError as err:
            raise _port_error(err, port) from None
        self.port = self._httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name="typeset-watch-server", daemon=True)

    def start(self) -> "PreviewServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)


def _port_error(err: OSError, port: int | None) -> TypesetError:
    if err.errno == errno.EADDRINUSE:
        return TypesetError(f"port {port} is in use on {HOST} (another program, or another "
                            "`typeset watch`, is listening there)",
                            hint="give another port with --port N, or leave --port out to "
                                 "take a free one")
    if err.errno in (errno.EACCES, errno.EPERM):
        return TypesetError(f"not allowed to listen on port {port} (ports below 1024 need "
                            "administrator rights)",
                            hint="give a port from 1024 to 65535 with --port N, or leave "
                                 "--port out")
    return TypesetError(f"cannot listen on {HOST} port {port or '(any)'}: "
                        f"{err.strerror or err}", hint="give another port with --port N")

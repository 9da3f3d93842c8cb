"""A local server that answers like GROBID, replaying known PDF → TEI pairs.

``/api/isalive`` answers ``true``; ``/api/processFulltextDocument`` takes the
multipart upload, answers 503 while "busy", and returns the TEI recorded for the
uploaded PDF (matched by content hash), or 500 for a PDF it does not know.
"""

from __future__ import annotations

import hashlib
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class FakeGrobid:
    def __init__(self, pairs: dict[bytes, bytes] | None = None, busy: int = 0, trickle: float = 0.0) -> None:
        # Seconds between the 64-byte pieces of a TEI: a server that never stalls long
        # enough for a read timeout, yet takes as long as it likes in all.
        self.trickle = trickle
        self.tei_by_hash: dict[str, bytes] = {}
        for pdf, tei in (pairs or {}).items():
            self.add(pdf, tei)
        self.busy = busy
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if not (server.trickle and status == 200):
                    self.wfile.write(body)
                    return
                try:
                    for start in range(0, len(body), 64):
                        self.wfile.write(body[start : start + 64])
                        self.wfile.flush()
                        time.sleep(server.trickle)
                except OSError:
                    pass  # the client gave up: as it should

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/api/isalive":
                    self._send(200, b"true")
                else:
                    self._send(404, b"not found")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                if self.path != "/api/processFulltextDocument":
                    self._send(404, b"not found")
                    return
                fields = parse_multipart(self.headers.get("content-type", ""), raw)
                with server.lock:
                    server.requests.append({k: v for k, v in fields.items() if k != "input"})
                    busy = server.busy > 0
                    if busy:
                        server.busy -= 1
                if busy:
                    self._send(503, b"busy")
                    return
                pdf = fields.get("input")
                if not isinstance(pdf, bytes):
                    self._send(400, b"no input")
                    return
                tei = server.tei_by_hash.get(hashlib.sha256(pdf).hexdigest())
                if tei is None:
                    self._send(500, b"[GENERAL] An exception occurred while running Grobid: bad PDF")
                    return
                self._send(200, tei, "application/xml")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.02,), daemon=True
        )  # quick shutdown

    def add(self, pdf: bytes, tei: bytes) -> None:
        self.tei_by_hash[hashlib.sha256(pdf).hexdigest()] = tei

    def add_files(self, pdf: Path, tei: Path) -> None:
        self.add(pdf.read_bytes(), tei.read_bytes())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeGrobid:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Form fields of a multipart/form-data body; repeated fields become lists."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        value: Any = payload if part.get_filename() else payload.decode("utf-8")
        if name in fields:
            existing = fields[name]
            fields[name] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            fields[name] = value
    return fields

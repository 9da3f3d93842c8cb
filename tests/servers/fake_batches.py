"""The Batch API of the fake OpenAI-compatible server: ``/v1/files`` (upload, content)
and ``/v1/batches`` (create, retrieve). Each line of a batch is answered by the same
code as a chat request, faults included, once the batch has been "running" for
``seconds``; a line whose request failed comes back with its error status."""

from __future__ import annotations

import email.parser
import json
import threading
import time
from typing import Any


class _Capture:
    """Stands in for the HTTP handler when a batch line is answered."""

    close_connection = False

    def __init__(self, authorization: str | None) -> None:
        self.headers = {"authorization": authorization} if authorization else {}
        self.status = 0
        self.payload: Any = None
        self.connection = self

    def shutdown(self, how: int) -> None:  # a dropped connection: the line gets no answer
        pass

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.payload = status, payload


class FakeBatches:
    def __init__(self, server: Any, seconds: float = 0.0) -> None:
        self.server = server
        self.seconds = seconds
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created = 0  # batches created
        self.lines = 0  # batch lines answered
        self.available = True  # False: the endpoint has no Batch API (404)
        self._lock = threading.Lock()

    def owns(self, path: str) -> bool:
        return path.startswith(("/v1/files", "/v1/batches"))

    def post(self, h: Any) -> None:
        if not self.available:
            h._json(404, {"error": {"message": "Not found"}})
            return
        length = int(h.headers.get("content-length", "0"))
        data = h.rfile.read(length)
        if h.path.startswith("/v1/files"):
            content = _multipart_file(h.headers.get("content-type", ""), data)
            with self._lock:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = content
            h._json(200, _file(file_id, content))
            return
        body = json.loads(data or b"{}")
        with self._lock:
            self.created += 1
            batch_id = f"batch_{self.created}"
            self.batches[batch_id] = {
                "input": body["input_file_id"],
                "authorization": h.headers.get("authorization"),
                "at": time.monotonic(),
                "output": None,
            }
        h._json(200, self._batch(batch_id))

    def get(self, h: Any) -> None:
        parts = h.path.strip("/").split("/")  # v1 files ID content | v1 batches ID
        if parts[1] == "files" and len(parts) == 4:
            content = self.files.get(parts[2])
            if content is None:
                h._json(404, {"error": {"message": "no such file"}})
                return
            h.send_response(200)
            h.send_header("content-type", "application/octet-stream")
            h.send_header("content-length", str(len(content)))
            h.end_headers()
            h.wfile.write(content)
            return
        if parts[1] == "batches" and parts[2] in self.batches:
            h._json(200, self._batch(parts[2]))
            return
        h._json(404, {"error": {"message": "not found"}})

    def _batch(self, batch_id: str) -> dict[str, Any]:
        state = self.batches[batch_id]
        done = time.monotonic() - state["at"] >= self.seconds
        if done and state["output"] is None:
            state["output"] = self._answer(batch_id, state)
        return {
            "id": batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": state["input"],
            "completion_window": "24h",
            "status": "completed" if done else "in_progress",
            "output_file_id": state["output"],
            "error_file_id": None,
            "created_at": int(time.time()),
        }

    def _answer(self, batch_id: str, state: dict[str, Any]) -> str:
        out = []
        for raw in self.files[state["input"]].decode("utf-8").splitlines():
            line = json.loads(raw)
            capture = _Capture(state["authorization"])
            self.server.handle(capture, line["body"])
            self.lines += 1
            out.append(
                {
                    "id": f"{batch_id}-{line['custom_id']}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": capture.status or 500, "body": capture.payload or {}},
                    "error": None,
                }
            )
        content = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out).encode("utf-8")
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
        return file_id


def _file(file_id: str, content: bytes) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": int(time.time()),
        "filename": f"{file_id}.jsonl",
        "purpose": "batch",
        "status": "processed",
    }


def _multipart_file(content_type: str, data: bytes) -> bytes:
    """The ``file`` part of a multipart/form-data upload."""
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data
    )
    for part in message.walk():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""

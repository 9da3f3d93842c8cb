"""The job board in Redis: one record per (PDF content, what was asked of it), so a
paper submitted twice, by anyone, is one job; its PDF until it is done; its outputs
once it is; and a lease held by the worker translating it.

Keys (all under ``translate:``): ``job:ID`` (a hash), ``jobs`` (IDs by submit time),
``pdf:ID`` (the PDF's bytes), ``out:ID`` (output path → bytes), ``lease:ID``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import redis

from .shared import PREFIX, broker_errors, text

STATES = ("queued", "running", "done", "failed")

# KEYS: the lease. ARGV: worker id, milliseconds. Renews only a lease the worker holds.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


def job_id(pdf_sha256: str, order: dict[str, Any]) -> str:
    """The job of this PDF content with these output settings."""
    asked = json.dumps(order, sort_keys=True)
    return hashlib.sha256(f"{pdf_sha256}\n{asked}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Submitted:
    """What ``submit`` did: a new job (to be queued), or the one already there."""

    id: str
    state: str
    new: bool


class JobBoard:
    """Jobs, their PDFs and outputs, kept in Redis for every submitter and worker."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._renew = client.register_script(_RENEW)

    def _key(self, kind: str, job: str) -> str:
        return f"{PREFIX}{kind}:{job}"

    # -- submitters ----------------------------------------------------------
    def submit(self, name: str, pdf: bytes, order: dict[str, Any]) -> Submitted:
        """Record a paper. A job failed before is queued afresh (the user asked again);
        a queued, running or done one is returned as it is."""
        digest = hashlib.sha256(pdf).hexdigest()
        job = job_id(digest, order)
        key = self._key("job", job)
        with broker_errors(self.client):
            created = bool(self.client.hsetnx(key, "state", "queued"))
            state = "queued" if created else text(self.client.hget(key, "state"))
            if not created and state != "failed":
                return Submitted(job, state, False)
            now = time.time()
            pipe = self.client.pipeline()
            pipe.set(self._key("pdf", job), pdf)
            pipe.hset(
                key,
                mapping={
                    "id": job,
                    "name": name,
                    "pdf_sha256": digest,
                    "order": json.dumps(order, sort_keys=True),
                    "state": "queued",
                    "submitted": now,
                    "deliveries": 0,
                    "attempts": 0,
                    "error": "",
                    "done": 0,
                    "total": 0,
                    "stage": "queued",
                },
            )
            pipe.zadd(f"{PREFIX}jobs", {job: now})
            pipe.execute()
        return Submitted(job, "queued", True)

    def get(self, job: str) -> dict[str, str]:
        """The job's record (empty if there is none)."""
        with broker_errors(self.client):
            raw = self.client.hgetall(self._key("job", job))
        return {text(k): text(v) for k, v in raw.items()}

    def jobs(self, limit: int = 1000) -> list[dict[str, str]]:
        """The newest jobs first."""
        with broker_errors(self.client):
            ids = self.client.zrevrange(f"{PREFIX}jobs", 0, limit - 1)
        return [record for record in (self.get(text(i)) for i in ids) if record]

    def outputs(self, job: str) -> dict[str, bytes]:
        """A done job's files, by path relative to the output folder."""
        with broker_errors(self.client):
            raw = self.client.hgetall(self._key("out", job))
        return {text(k): _bytes(v) for k, v in raw.items()}

    # -- workers -------------------------------------------------------------
    def take(self, job: str, worker: str, lease_seconds: float) -> dict[str, str] | None:
        """Hold the job's lease and count the delivery; None when another live worker
        holds it (a second delivery of a message) or the job is not waiting."""
        record = self.get(job)
        if record.get("state") not in ("queued", "running"):
            return None
        with broker_errors(self.client):
            if not self.client.set(self._key("lease", job), worker, nx=True, px=int(lease_seconds * 1000)):
                return None
            deliveries = self.client.hincrby(self._key("job", job), "deliveries", 1)
            self.client.hset(
                self._key("job", job),
                mapping={"state": "running", "worker": worker, "started": time.time(), "stage": "starting"},
            )
        record.update(deliveries=str(deliveries), state="running", worker=worker)
        return record

    def renew(self, jobs: list[str], worker: str, lease_seconds: float) -> None:
        """Keep the leases of the jobs in hand."""
        with broker_errors(self.client):
            for job in jobs:
                self._renew(keys=[self._key("lease", job)], args=[worker, int(lease_seconds * 1000)])

    def pdf(self, job: str) -> bytes | None:
        with broker_errors(self.client):
            value = self.client.get(self._key("pdf", job))
        return None if value is None else _bytes(value)

    def report(self, job: str, **fields: Any) -> None:
        """Progress and counts, for ``submit`` and ``status`` to show."""
        with broker_errors(self.client):
            self.client.hset(self._key("job", job), mapping={k: _field(v) for k, v in fields.items()})

    def finish(self, job: str, files: dict[str, bytes], **outcome: Any) -> None:
        """Done: the outputs stored, the PDF dropped, the lease freed — in one transaction."""
        with broker_errors(self.client):
            pipe = self.client.pipeline()
            pipe.delete(self._key("out", job))
            if files:
                pipe.hset(self._key("out", job), mapping=files)  # type: ignore[arg-type]
            fields = {**outcome, "state": "done", "stage": "done", "finished": time.time(), "error": ""}
            pipe.hset(self._key("job", job), mapping={k: _field(v) for k, v in fields.items()})
            pipe.delete(self._key("pdf", job), self._key("lease", job))
            pipe.execute()

    def fail(self, job: str, reason: str, **outcome: Any) -> None:
        """Failed for good, with the reason (submitting the paper again queues it afresh)."""
        fields = {**outcome, "state": "failed", "stage": "failed", "finished": time.time(), "error": reason}
        with broker_errors(self.client):
            pipe = self.client.pipeline()
            pipe.hset(self._key("job", job), mapping={k: _field(v) for k, v in fields.items()})
            pipe.delete(self._key("pdf", job), self._key("lease", job))
            pipe.execute()

    def requeue(self, job: str, reason: str, attempt: bool) -> int:
        """Back in the queue (the caller sends its message again); returns the tries so far."""
        with broker_errors(self.client):
            pipe = self.client.pipeline()
            if attempt:
                pipe.hincrby(self._key("job", job), "attempts", 1)
            else:
                pipe.hget(self._key("job", job), "attempts")
            pipe.hset(self._key("job", job), mapping={"state": "queued", "stage": "queued", "error": reason})
            pipe.delete(self._key("lease", job))
            tries = pipe.execute()[0]
        return int(tries or 0)


def _field(value: Any) -> str | int | float:
    if value is None:
        return ""
    return value if isinstance(value, str | int | float) else str(value)


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")

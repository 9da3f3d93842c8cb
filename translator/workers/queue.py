"""The task queue: Dramatiq with its Redis broker (the design notes of the README say
why). A message carries only a job id; the job itself is on the board.

Dramatiq redelivers a message whose worker stopped sending heartbeats (killed,
unplugged) once ``heartbeat_seconds`` have passed. A worker busy with long papers
fetches nothing and so would send no heartbeat: a thread here sends one every
quarter of that time, and renews the leases of the jobs in hand with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from ..errors import BrokerError
from .shared import redis_now_ms

QUEUE = "translate"
ACTOR = "translate_paper"
# Of a million broker commands, how many also requeue the messages of dead workers:
# one in five, so a dead worker's paper moves on within seconds of its timeout.
MAINTENANCE_CHANCE = 200_000


class TaskQueue:
    """Sends job ids; runs a handler for each in worker threads."""

    def __init__(self, client: redis.Redis, heartbeat_seconds: float) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]
            client=client,
            middleware=[],  # no retries, no time limit: jobs keep their own tries and bounds
            namespace="translate-queue",
            heartbeat_timeout=int(heartbeat_seconds * 1000),
            maintenance_chance=MAINTENANCE_CHANCE,
        )
        self._handler: Callable[[str], None] | None = None
        self.actor: Any = dramatiq.actor(broker=self.broker, actor_name=ACTOR, queue_name=QUEUE)(self._handle)
        self._worker: dramatiq.Worker | None = None
        self._stop = threading.Event()

    def send(self, job: str, delay_seconds: float = 0.0) -> None:
        """Queue one job (after ``delay_seconds``)."""
        try:
            delay = int(delay_seconds * 1000) or None
            self.actor.send_with_options(args=(job,), delay=delay)
        except (redis.RedisError, dramatiq.errors.BrokerError) as exc:
            raise BrokerError(f"cannot queue job {job} ({exc}): check --broker and that Redis runs") from exc

    def workers_alive(self) -> int:
        """Workers whose heartbeat is recent."""
        now = redis_now_ms(self.broker.client)
        key = f"{self.broker.namespace}:__heartbeats__"
        return int(self.broker.client.zcount(key, now - int(self.heartbeat_seconds * 1000), "+inf"))

    def waiting(self) -> int:
        """Messages waiting in the queue (not those in hand)."""
        return int(self.broker.do_qsize(QUEUE))

    def _handle(self, job: str) -> None:
        if self._handler is not None:
            self._handler(job)

    def serve(self, handler: Callable[[str], None], threads: int, beat: Callable[[], None]) -> None:
        """Run ``handler`` for every message, ``threads`` at a time, until ``stop``.
        ``beat`` runs with every heartbeat (the worker renews its leases there)."""
        self._handler = handler
        worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=500)
        worker.queue_prefetch = threads  # a worker holds no paper it cannot start now
        self._worker = worker
        worker.start()
        try:
            while not self._stop.wait(self.heartbeat_seconds / 4):
                self._heartbeat(beat)
        finally:
            worker.stop(timeout=10_000)

    def _heartbeat(self, beat: Callable[[], None]) -> None:
        try:
            self.broker.do_qsize(QUEUE)  # any broker command records this worker as alive
            beat()
        except (redis.RedisError, BrokerError):
            pass  # Redis is away: Dramatiq reconnects; the next beat tries again

    def stop(self) -> None:
        """End ``serve``: messages not started go back to the queue."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

"""A thin client for the GROBID service (``processFulltextDocument``).

We talk to GROBID directly with httpx rather than through grobid-client-python:
that package is built for batch runs over folders and pulls in requests,
dateparser and BeautifulSoup, while we need one call with our own timeouts,
503 back-off and error messages.  The transport can be swapped in tests.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ..deadlines import deadline
from ..errors import GrobidParseError, GrobidUnavailableError
from ..urls import redact

# Coordinates we will need to crop figures and formulas and to place headings.
TEI_COORDINATES = ("figure", "formula", "head", "biblStruct")
UNREACHABLE_REST_SECONDS = 60.0  # a server that cannot be reached is passed over this long
START_HINT = (
    "start it with ./serve_grobid.sh (Docker or Java), point --grobid-url / GROBID_URL at a running one, "
    "or pass --parser builtin to read the PDF without GROBID"
)


class GrobidBusyError(GrobidUnavailableError):
    """GROBID answered 503 (busy) on every attempt."""


class GrobidClient:
    """Calls a GROBID service, or several: ``url`` may be a comma-separated list. Each
    paper goes to the server with the fewest papers in flight from this process (ties
    drawn at random, so workers on many machines spread too); a server that answers 503
    is left alone for a growing pause while the others are used, and one that cannot be
    reached is passed over for a minute."""

    def __init__(
        self,
        url: str,
        timeout: float = 60.0,
        timeout_per_page: float = 6.0,
        attempts: int = 6,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 2.0,
    ) -> None:
        self.urls = [u.strip().rstrip("/") for u in url.split(",") if u.strip()] or [url.rstrip("/")]
        self.url = ",".join(self.urls)
        self.shown = ", ".join(redact(u) for u in self.urls)  # for messages: no credentials from the URLs
        self._in_flight = dict.fromkeys(self.urls, 0)
        self._rest_until = dict.fromkeys(
            self.urls, 0.0
        )  # monotonic time a busy or silent server is left alone
        self._lock = threading.Lock()
        self.timeout = timeout
        self.timeout_per_page = timeout_per_page
        self.attempts = attempts
        self.sleep = sleep
        self.backoff = backoff
        self._http = httpx.Client(transport=transport, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def is_alive(self) -> bool:
        """At least one of the servers answers."""
        return any(self._alive(url) for url in self.urls)

    def _alive(self, url: str) -> bool:
        try:
            response = self._http.get(f"{url}/api/isalive", timeout=10.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and response.text.strip().lower() in ("true", "")

    def _pick(self) -> str:
        """The server for the next upload: resting ones last, then the least busy."""
        with self._lock:
            now = time.monotonic()
            order = sorted(
                self.urls,
                key=lambda u: (max(0.0, self._rest_until[u] - now), self._in_flight[u], random.random()),
            )
            chosen = order[0]
            wait = self._rest_until[chosen] - now
            self._in_flight[chosen] += 1
        if wait > 0:
            self.sleep(wait)  # every server is resting: wait for the first to be free again
        return chosen

    def _done(self, url: str, rest: float = 0.0) -> None:
        with self._lock:
            self._in_flight[url] -= 1
            if rest:
                self._rest_until[url] = time.monotonic() + rest

    def check_alive(self) -> None:
        if not self.is_alive():
            raise GrobidUnavailableError(f"GROBID does not answer at {self.shown}: {START_HINT}")

    def _post(
        self, url: str, name: str, content: bytes, data: dict[str, str | list[str]], timeout: httpx.Timeout
    ) -> httpx.Response:
        """One upload, with a deadline on the whole answer (``timeout.read`` from the headers
        on): a GROBID that trickles its TEI a few bytes at a time trips no read timeout, so a
        timer closes the response and the wait ends as a timeout."""
        with self._http.stream(
            "POST",
            f"{url}/api/processFulltextDocument",
            files={"input": (name, content, "application/pdf")},
            data=data,
            timeout=timeout,
        ) as response:
            with deadline(response.close, timeout.read or 60.0) as expired:
                try:
                    response.read()
                except Exception as exc:  # closed under the reader: httpx says so in more than one way
                    if expired.is_set():
                        raise httpx.ReadTimeout("no whole answer within the deadline") from exc
                    raise
            if expired.is_set():
                raise httpx.ReadTimeout("no whole answer within the deadline")
            return response

    def process_fulltext(self, pdf: Path, pages: int = 10) -> bytes:
        """Send the PDF; return GROBID's TEI XML.

        A busy service (503) is retried with growing pauses; the read timeout
        grows with the page count.
        """
        timeout = httpx.Timeout(self.timeout + self.timeout_per_page * pages, connect=10.0)
        data: dict[str, str | list[str]] = {
            "consolidateHeader": "0",
            "consolidateCitations": "0",
            "includeRawCitations": "1",
            "teiCoordinates": list(TEI_COORDINATES),
        }
        content = pdf.read_bytes()
        delay = self.backoff
        unreachable: set[str] = set()
        for _ in range(self.attempts):
            url = self._pick()
            try:
                response = self._post(url, pdf.name, content, data, timeout)
            except httpx.TimeoutException as exc:
                self._done(url)
                raise GrobidParseError(
                    f"GROBID at {redact(url)} took longer than {timeout.read:.0f} s on {pdf.name}: raise "
                    "TRANSLATOR_GROBID_TIMEOUT (or grobid_timeout in the config file), give GROBID more "
                    "memory, or pass --parser builtin"
                ) from exc
            except httpx.HTTPError as exc:
                self._done(url, rest=UNREACHABLE_REST_SECONDS)
                unreachable.add(url)
                if len(unreachable) < len(self.urls):
                    continue  # another server may answer
                raise GrobidUnavailableError(
                    f"GROBID at {self.shown} cannot be reached ({exc}): {START_HINT}"
                ) from exc
            if response.status_code == 503:
                # Busy: this server rests (jitter, so clients do not come back together), the next goes.
                self._done(url, rest=delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, 60.0)
                continue
            self._done(url)
            if response.status_code == 200:
                return response.content
            if response.status_code == 204:
                raise GrobidParseError(
                    f"GROBID found no text in {pdf.name}: the PDF may be scanned; run OCR first"
                )
            raise GrobidParseError(
                f"GROBID cannot parse this PDF ({pdf.name}, HTTP {response.status_code}): check that it opens "
                "in a PDF reader, or try --tei with a TEI you made elsewhere"
            )
        if unreachable == set(self.urls):
            raise GrobidUnavailableError(f"GROBID at {self.shown} cannot be reached: {START_HINT}")
        raise GrobidBusyError(
            f"GROBID at {self.shown} stayed busy (503) after {self.attempts} attempts: wait and rerun, "
            "or start GROBID with more concurrency"
        )

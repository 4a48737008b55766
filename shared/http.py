"""The HTTP client services use to call each other: pooled, timed out, retried only when safe."""

from __future__ import annotations

import logging
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from shared.errors import Unavailable
from shared.observability import observe_backend_call
from shared.requestid import HEADER as REQUEST_ID_HEADER
from shared.requestid import current_request_id

log = logging.getLogger("trustpulse.http")

INTERNAL_TOKEN_HEADER = "X-Internal-Token"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Every way an answer can fail to arrive whole: refused or reset connections, timeouts, a
# backend dying mid-reply (a cut chunked or sized body), a body that does not decode, a
# redirect loop. The other `requests` errors are about the request made here: bugs.
TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.TooManyRedirects,
    requests.exceptions.RetryError,
)


class ServiceClient:
    """A pooled `requests.Session` bound to one backend service.

    Connect and read timeouts bound every call; connection failures and 502/503/504 are
    retried with backoff for idempotent methods only (a POST is never sent twice); the
    internal token and the current request id travel with every call. A backend that
    cannot be reached, times out or fails mid-answer raises `Unavailable` naming it.
    """

    def __init__(self, name: str, base_url: str, *, internal_token: str | None = None,
                 connect_timeout: float = 2.0, read_timeout: float = 10.0,
                 retries: int = 2, read_retries: int | None = None, pool_size: int = 16):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            # A proxy may want no read retries: each would add a whole read timeout.
            read=retries if read_retries is None else read_retries,
            status=retries,
            # Errors that are neither connect nor read errors (TLS failures mid-exchange) are
            # retried by urllib3 whatever the method: none, so a POST cannot go twice.
            other=0,
            backoff_factor=0.1,
            status_forcelist=(502, 503, 504),
            allowed_methods=IDEMPOTENT_METHODS,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.trust_env = False
        if internal_token:
            self.session.headers[INTERNAL_TOKEN_HEADER] = internal_token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send a request to the backend; raise `Unavailable` unless a whole answer comes."""
        headers = dict(kwargs.pop("headers", None) or {})
        request_id = current_request_id()
        if request_id and REQUEST_ID_HEADER not in headers:
            headers[REQUEST_ID_HEADER] = request_id
        kwargs.setdefault("timeout", self.timeout)
        if method.upper() not in IDEMPOTENT_METHODS:
            # Following a 307/308 would send the body again, to wherever it points.
            kwargs.setdefault("allow_redirects", False)
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base_url + path, headers=headers,
                                            **kwargs)
        except TRANSPORT_ERRORS as exc:
            observe_backend_call(self.name, method, time.perf_counter() - started,
                                 failure="timeout" if isinstance(exc, requests.Timeout)
                                 else "connection")
            log.warning("%s unavailable: %s", self.name, type(exc).__name__)
            raise Unavailable(f"The {self.name} service is unavailable.",
                              {"service": self.name}) from None
        observe_backend_call(self.name, method, time.perf_counter() - started,
                             status=response.status_code)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        self.session.close()

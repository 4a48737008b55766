"""Load generation for the benchmarks: gunicorn servers, keep-alive clients, the machine.

Clients run in a few processes of a few threads each; every client makes its request
bodies before the clock starts, then posts them one after another on one connection.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CLIENTS, PROCESSES = 16, 4
BODIES_PER_CLIENT = 400


def free_port() -> int:
    """Return a loopback port free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, env: dict, port: int | None = None) -> tuple[subprocess.Popen, int]:
    """Start gunicorn with the bench's worker settings (on `port`, or a free one) and wait
    until it answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", WORKER_CLASS, "-w", str(WORKERS),
         "--threads", str(THREADS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn {target} did not start")


def stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn we started, and its workers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _client_loop(args) -> tuple[int, int, list[float]]:
    """One load process: `threads` keep-alive clients posting from `start` to `until`."""
    port, path, headers, make_body, tag, threads, start, until = args
    results, late = [], []

    def run(thread: int):
        bodies = [make_body(f"{tag}-{thread}", i) for i in range(BODIES_PER_CLIENT)]
        if time.time() > start + 0.1:
            late.append(thread)  # its share would be measured over a shorter time
        time.sleep(max(0.0, start - time.time()))
        conn = http.client.HTTPConnection("127.0.0.1", port)
        ok = failed = 0
        latencies = []
        i = 0
        while time.time() < until:
            data = bodies[i] if i < len(bodies) else make_body(f"{tag}-{thread}", i)
            i += 1
            began = time.perf_counter()
            try:
                conn.request("POST", path, data, headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                # A connection the server closed: counted as failed, then a new one.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port)
                failed += 1
                continue
            latencies.append(time.perf_counter() - began)
            ok += response.status == 201
            failed += response.status != 201
        results.append((ok, failed, latencies))

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if late:
        raise RuntimeError("load clients were not ready in time: lengthen their head start")
    return (sum(r[0] for r in results), sum(r[1] for r in results),
            [x for r in results for x in r[2]])


def load(port: int, path: str, headers: dict, make_body: Callable[[str, int], str], tag: str,
         seconds: float) -> dict:
    """Post for `seconds` from CLIENTS clients; return the 201s, the others, every latency.

    `make_body(client, i)` returns the i-th body of a client (a module-level function:
    it is sent to the load processes); `tag` keeps clients of different runs apart.
    """
    start = time.time() + 2.0  # time to make every client's bodies first
    jobs = [(port, path, headers, make_body, f"{tag}{w}", CLIENTS // PROCESSES, start,
             start + seconds) for w in range(PROCESSES)]
    with multiprocessing.Pool(PROCESSES) as pool:
        parts = pool.map(_client_loop, jobs)
    return {"ok": sum(p[0] for p in parts), "failed": sum(p[1] for p in parts),
            "latencies": [x for p in parts for x in p[2]], "seconds": seconds}


def joined(runs: list[dict]) -> dict:
    """Return the requests/s, non-201s and latency percentiles of load runs taken together."""
    latencies = sorted(x for run in runs for x in run["latencies"])
    return {"rps": sum(r["ok"] for r in runs) / sum(r["seconds"] for r in runs),
            "failed": sum(r["failed"] for r in runs),
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


def report_load(label: str, unit: str, figures: dict) -> None:
    """Print one line of a load run."""
    print(f"  {label:16s} {figures['rps']:8.0f} {unit:11s} p50 {figures['p50_ms']:5.1f} ms  "
          f"p99 {figures['p99_ms']:5.1f} ms  non-201: {figures['failed']}", flush=True)


def describe_machine() -> str:
    """Return the cores, CPU model and load average the figures were measured under."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    load_1, load_5, _ = os.getloadavg()
    return (f"{os.cpu_count()} cores, {cpu}; load average {load_1:.2f} (1 min), "
            f"{load_5:.2f} (5 min); gunicorn {WORKER_CLASS} {WORKERS}x{THREADS}")


def settle(port: int, tries: int = 20) -> None:
    """Call a server's `/readyz` until it answers 200 four times in a row."""
    in_a_row = 0
    for _ in range(tries):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/readyz")
            in_a_row = in_a_row + 1 if conn.getresponse().status == 200 else 0
        except (OSError, http.client.HTTPException):
            in_a_row = 0
        finally:
            conn.close()
        if in_a_row >= 4:
            return


def start_suite(env: dict) -> tuple[list, dict]:
    """Start survey, metrics and gateway (gunicorn) wired to each other; return (processes, ports)."""
    processes, ports = [], {}
    try:
        for role, target in (("survey", "services.survey:create_app()"),
                             ("metrics", "services.metrics:create_app()"),
                             ("gateway", "services.gateway:create_app()")):
            wiring = {f"TRUSTPULSE_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                      for name, port in ports.items()}
            process, ports[role] = start_gunicorn(target, {**env, **wiring})
            processes.append(process)
    except Exception:
        for process in processes:
            stop(process)
        raise
    return processes, ports


class Suite:
    """The servers of one run: survey, metrics, a gateway as configured by default, and a
    patient gateway for first calls."""

    def __init__(self, env: dict, patient_timeout: float):
        self.env = env
        processes, self.ports = start_suite(env)
        self.processes = dict(zip(("survey", "metrics", "gateway"), processes))
        try:
            self.processes["patient"], self.ports["patient"] = start_gunicorn(
                "services.gateway:create_app()", {
                **env, "TRUSTPULSE_READ_TIMEOUT": str(patient_timeout),
                **{f"TRUSTPULSE_{n.upper()}_URL": self.url(n) for n in ("survey", "metrics")}})
        except Exception:
            self.stop()
            raise

    def url(self, role: str) -> str:
        """Return the base URL of one server."""
        return f"http://127.0.0.1:{self.ports[role]}"

    def restart_metrics(self) -> None:
        """Start metrics again on its port: a first call given up on leaves its work running."""
        stop(self.processes["metrics"])
        self.processes["metrics"], _ = start_gunicorn(
            "services.metrics:create_app()", {**self.env, "TRUSTPULSE_SURVEY_URL": self.url("survey")},
            self.ports["metrics"])
        # The gateways' kept-alive connections to the old process fail once each (a 503,
        # as the proxy retries no read): readiness probes, which use them, use them up.
        for role in ("gateway", "patient"):
            settle(self.ports[role])

    def stop(self) -> None:
        """Stop every server."""
        for process in self.processes.values():
            stop(process)

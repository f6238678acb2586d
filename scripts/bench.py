"""Load benchmark: gunicorn as the Procfile starts it, on PostgreSQL, driven by wrk.

make bench      # or: python scripts/bench.py [--requests 2000] [--clients 1 8 32] [--rounds 1]

Prints requests/s and p50/p95/p99 latency of POST /api/predictions/ and GET /healthz at
each client count, their throughput ratio, peak RSS per worker, and whether the rows in
the database equal the 201 responses counted. With --rounds N each client count is run N
times, predict then healthz each time: the table gives the medians, and the ratio is the
median of the rounds' ratios with their range (each round's two endpoints share the
machine's state of the moment). Writes the same figures to reports/bench.json and .md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ml.config import SHIPPED_MODELS  # noqa: E402
from ml.data import load_mnist  # noqa: E402
from ml.inference import CURRENT, METRICS  # noqa: E402
from ml.synth import render_canvas  # noqa: E402

ERROR_NO_WRK = "wrk is not installed: apt-get install -y wrk"
ERROR_NO_DATABASE = "set DATABASE_URL to a PostgreSQL server (the bench makes its own database)"
DB_NAME = "mnistsite_bench"
BODIES = 64
THROTTLE_RATE = "1000000/s"

# Each wrk thread drives one connection and stops after its share of requests, so that
# no request is still in flight when wrk ends: every stored row has a counted response.
LUA = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *out);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end
local bodies = {%(bodies)s}
local index, limit = 0, %(limit)d
answered, created, first, last, threads = 0, 0, 0, 0, {}
function setup(thread) table.insert(threads, thread) end
function init(args) index = math.random(#bodies) end
function request()
  if first == 0 then first = now() end
  if "%(method)s" == "GET" then return wrk.format("GET", "%(path)s") end
  index = index %% #bodies + 1
  return wrk.format("POST", "%(path)s", nil, bodies[index])
end
function response(status, headers, body)
  answered = answered + 1
  last = now()
  if status == 201 or status == 200 then created = created + 1 end
  if answered >= limit then
    local marker = io.open("%(marker)s", "a")  -- tells the driver this thread has finished
    marker:write("done\\n")
    marker:close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  -- wrk's own duration is the -d cap; the run really lasted from first send to last answer.
  local ok, started, ended = 0, math.huge, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("created")
    started = math.min(started, t:get("first"))
    ended = math.max(ended, t:get("last"))
  end
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "ok": %%d, "errors": %%d, '
    .. '"p50": %%f, "p95": %%f, "p99": %%f}\\n',
    summary.requests, ended - started, ok,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def canvas_bodies(count: int) -> list[str]:
    """Return JSON bodies holding canvas PNGs of MNIST test digits, as the page sends them."""
    digits = load_mnist().test
    rng = np.random.default_rng(7)
    bodies = []
    for index in range(count):
        png = render_canvas(digits.images[index], rng, "transparent", size=280)
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        bodies.append(json.dumps({"image": url, "source": "canvas"}))
    return bodies


def lua_script(method: str, path: str, limit: int, bodies: list[str], marker: Path) -> str:
    quoted = ",".join(json.dumps(body) for body in bodies)  # JSON strings are Lua strings
    values = {"bodies": quoted, "method": method, "path": path, "limit": limit}
    return LUA % {**values, "marker": marker}


def run_wrk(url: str, script: Path, clients: int, marker: Path) -> dict:
    """Run wrk with `clients` connections (one per thread) and return its RESULT line."""
    marker.write_text("")
    command = ["wrk", "-t", str(clients), "-c", str(clients), "-d", "600s", "--timeout", "10s"]
    command += ["-H", "X-Forwarded-Proto: https", "-H", "Content-Type: application/json"]
    wrk = subprocess.Popen([*command, "-s", str(script), url], stdout=subprocess.PIPE, text=True)
    # wrk sleeps for the whole -d; once every thread has sent its share, SIGINT ends it.
    while len(marker.read_text().splitlines()) < clients and wrk.poll() is None:
        time.sleep(0.05)
    wrk.send_signal(signal.SIGINT)
    out, _ = wrk.communicate(timeout=30)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def database_urls() -> tuple[str, str]:
    """Return (server URL for admin commands, URL of the bench's own throwaway database)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(ERROR_NO_DATABASE)
    server = url.rsplit("/", 1)[0]
    return f"{server}/postgres", f"{server}/{DB_NAME}"


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def start_server(env: dict, port: int) -> subprocess.Popen:
    """Start gunicorn exactly as the Procfile's web line does, and wait until it is healthy."""
    procfile = (ROOT / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    command = web.removeprefix("web:").split()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    for _ in range(120):
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("gunicorn did not become healthy in 60 s")


def worker_peak_rss_mb(master: int) -> list[float]:
    """Return each gunicorn worker's peak resident memory (VmHWM), in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        peak = next(line for line in status if line.startswith("VmHWM"))
        peaks.append(int(peak.split()[1]) / 1024)
    return peaks


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and level")
    parser.add_argument("--rounds", type=int, default=1, help="runs per client count")
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--output", type=Path, default=ROOT / "reports")
    parser.add_argument(
        "--shadow",
        action="store_true",
        help="with a candidate shadowing: a worker reads every stored drawing with it too",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit(ERROR_NO_WRK)

    admin_url, bench_url = database_urls()
    psql(admin_url, f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(admin_url, f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_DEBUG": "0",  # production settings, as deployed
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(args.port),
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 2)),
        "GUNICORN_ACCESS_LOG": "",
        "TRUSTED_PROXY_COUNT": "1",  # as behind a load balancer: wrk sends X-Forwarded-Proto
        # Measure the path, not the throttle: the throttles still run, but over one second,
        # so each keeps a few hundred timestamps (as at 120/min), not a minute of the bench's.
        "PREDICT_ANON_RATE": THROTTLE_RATE,
        "PREDICT_USER_RATE": THROTTLE_RATE,
        "LOG_LEVEL": "WARNING",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    python = [sys.executable, "manage.py"]
    subprocess.run([*python, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*python, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    worker = start_shadow(env, python) if args.shadow else None
    server = start_server(env, args.port)
    try:
        figures = measure(args, server, bench_url)
    finally:
        server.terminate()
        server.wait(30)
        if worker is not None:
            worker.terminate()
            worker.wait(30)
            shutil.rmtree(env["MODEL_PATH"], ignore_errors=True)
    figures["workers"] = int(env["WEB_CONCURRENCY"])
    if worker is not None:
        figures["shadow_readings"] = int(psql(bench_url, SHADOW_READINGS))
    report(figures, args.output)
    return figures


# Both tables with their indexes and TOAST: what a stored drawing costs on disk.
STORED_BYTES = (
    "SELECT pg_total_relation_size('recognizer_drawing')"
    " + pg_total_relation_size('recognizer_prediction')"
)
ENDPOINTS = (("predict", "POST", "/api/predictions/"), ("healthz", "GET", "/healthz"))


SHADOW = "cnn-bench-shadow"
SHADOW_READINGS = f"SELECT count(*) FROM recognizer_shadowreading WHERE version = '{SHADOW}'"


def start_shadow(env: dict, python: list[str]) -> subprocess.Popen:
    """Copy the serving version as a candidate, shadow it, and start a worker beside the site."""
    models = Path(tempfile.mkdtemp(prefix="bench-models-"))
    shutil.rmtree(models)
    shutil.copytree(ROOT / SHIPPED_MODELS, models)
    serving = (models / CURRENT).read_text().strip()
    shutil.copytree(models / serving, models / SHADOW)
    metrics = json.loads((models / SHADOW / METRICS).read_text())
    (models / SHADOW / METRICS).write_text(json.dumps({**metrics, "version": SHADOW}))
    env["MODEL_PATH"] = str(models)
    subprocess.run([*python, "shadow", SHADOW], cwd=ROOT, env=env, check=True)
    return subprocess.Popen([*python, "worker", "--no-startup-delay"], cwd=ROOT, env=env)


def measure(args, server: subprocess.Popen, db_url: str) -> dict:
    """Drive both endpoints at each client count; then count rows and read worker memory."""
    bodies = canvas_bodies(BODIES)
    base = f"http://127.0.0.1:{args.port}"
    runs, created = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        script, marker = Path(tmp) / "warmup.lua", Path(tmp) / "finished"
        script.write_text(lua_script("POST", ENDPOINTS[0][2], 25, bodies, marker))
        created += run_wrk(base + ENDPOINTS[0][2], script, 4, marker)["ok"]  # workers load
        for clients in args.clients:
            share = max(1, args.requests // clients)
            scripts = {}
            for name, method, path in ENDPOINTS:
                scripts[name] = Path(tmp) / f"{name}-{clients}.lua"
                scripts[name].write_text(lua_script(method, path, share, bodies, marker))
            for turn in range(args.rounds):
                for name, _, path in ENDPOINTS:
                    result = run_wrk(base + path, scripts[name], clients, marker)
                    created += result["ok"] if name == "predict" else 0
                    runs.append({"endpoint": name, "clients": clients, "round": turn, **result})
    return {
        "runs": runs,
        "rounds": args.rounds,
        "summary": summarize(runs),
        "ratio": {clients: ratios(runs, clients) for clients in args.clients},
        "worker_peak_rss_mb": worker_peak_rss_mb(server.pid),
        "created_responses": created,
        "drawing_rows": int(psql(db_url, "SELECT count(*) FROM recognizer_drawing")),
        "prediction_rows": int(psql(db_url, "SELECT count(*) FROM recognizer_prediction")),
        "stored_bytes": int(psql(db_url, STORED_BYTES)),
    }


def summarize(runs: list[dict]) -> list[dict]:
    """Return one row per endpoint and client count: the medians of its rounds."""
    keys = dict.fromkeys((run["clients"], run["endpoint"]) for run in runs)
    rows = []
    for clients, endpoint in keys:
        same = [r for r in runs if r["clients"] == clients and r["endpoint"] == endpoint]
        row = {"endpoint": endpoint, "clients": clients, "requests": same[0]["requests"]}
        for figure in ("rps", "p50", "p95", "p99"):
            row[figure] = statistics.median(r[figure] for r in same)
        row["errors"] = sum(r["errors"] for r in same)
        rows.append(row)
    return rows


def ratios(runs: list[dict], clients: int) -> dict:
    """Return the median, lowest and highest predict/healthz ratio of the rounds at `clients`."""
    each = [
        _rps(runs, "predict", clients, turn) / _rps(runs, "healthz", clients, turn)
        for turn in sorted({r["round"] for r in runs if r["clients"] == clients})
    ]
    return {"median": statistics.median(each), "low": min(each), "high": max(each)}


def _rps(runs: list[dict], endpoint: str, clients: int, turn: int) -> float:
    return next(
        r["rps"]
        for r in runs
        if r["endpoint"] == endpoint and r["clients"] == clients and r["round"] == turn
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )


def report(figures: dict, output: Path) -> None:
    """Print the figures as a Markdown table and save them."""
    lines = [
        f"Machine: {machine()}; gunicorn workers: {figures['workers']}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        "| Endpoint | Clients | Requests | Req/s | p50 ms | p95 ms | p99 ms | Errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in figures["summary"]:
        lines.append(
            f"| {run['endpoint']} | {run['clients']} | {run['requests']} | {run['rps']:.0f} | "
            f"{run['p50']:.1f} | {run['p95']:.1f} | {run['p99']:.1f} | {run['errors']} |"
        )
    ratios = ", ".join(f"{c} clients {_ratio(r)}" for c, r in figures["ratio"].items())
    peaks = ", ".join(f"{mb:.0f} MB" for mb in figures["worker_peak_rss_mb"])
    rows_ok = figures["drawing_rows"] == figures["prediction_rows"] == figures["created_responses"]
    lines += [
        "",
        f"Predict / healthz throughput: {ratios}",
        f"Peak RSS per worker: {peaks}",
        f"201 responses: {figures['created_responses']}; drawing rows: {figures['drawing_rows']}; "
        f"prediction rows: {figures['prediction_rows']} -> {'equal' if rows_ok else 'MISMATCH'}",
        f"Stored per drawing (both tables, indexes, TOAST): "
        f"{figures['stored_bytes'] / max(figures['drawing_rows'], 1):,.0f} bytes",
    ]
    if "shadow_readings" in figures:
        lines.append(
            f"Shadow readings by {SHADOW} (a worker beside the site): "
            f"{figures['shadow_readings']} of {figures['drawing_rows']} drawings"
        )
    if figures["rounds"] > 1:
        lines.insert(1, f"Medians of {figures['rounds']} rounds per client count")
    text = "\n".join(lines) + "\n"
    print(text)
    output.mkdir(parents=True, exist_ok=True)
    (output / "bench.md").write_text(text)
    (output / "bench.json").write_text(json.dumps(figures, indent=2) + "\n")


def _ratio(ratio: dict) -> str:
    median, low, high = (f"{ratio[k]:.2f}" for k in ("median", "low", "high"))
    return median if low == high else f"{median} ({low}-{high})"


if __name__ == "__main__":
    main()

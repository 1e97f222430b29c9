"""`make bench`: the load benchmark (docs/benchmarks.md).

    .venv/bin/python -m bench.run                      # SQLite in a temporary folder
    .venv/bin/python -m bench.run --postgres           # a throwaway PostgreSQL cluster, started and stopped here
    DATABASE_URL=postgresql://… .venv/bin/python -m bench.run   # an existing, empty PostgreSQL database

1. builds the database with the real commands, timing the two imports: `flask db upgrade`,
   `flask statutes import --dir $STATUTES_DIR`, `flask content import content`;
2. seeds 5,000 learners in 100 cohorts (`bench/seed.py`, deterministic by `--seed`) and opens quiz attempts for
   the submission run with `quizzes.services.start_attempt`;
3. serves the app with gunicorn (`deploy/gunicorn.conf.py`, 2 sync workers) on 127.0.0.1 and a free port, signs
   in 100 learners and the 200-learner cohort's mentor through the real sign-in form;
4. drives each page in turn with wrk (`bench/wrk.lua`: C, so it takes little of the CPU the server needs; exact
   percentiles), for `--duration` seconds with `--connections` connections, /healthz first as the baseline;
5. prints one table (requests/s, p50, p95, p99, errors, ratio to the baseline's requests/s), the RSS of each
   worker after the run and the import times, and writes them as JSON to `--json` when given.

Traffic goes to 127.0.0.1 only, every run is bounded in time, and everything started here is stopped here.
"""

import argparse
import contextlib
import html
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USER_AGENT = "jichiho-bench"

# Targets from issue 7 (checked here and in docs/benchmarks.md, not in tests).
TARGETS = {
    "lesson": {"ratio": 0.35, "p99": 50},
    "submit": {"p95": 50},
    "review": {"p95": 150},
}
RSS_TARGET_MB = 150


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


# --- the database ----------------------------------------------------------------------------------------------


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on 127.0.0.1 and a free port, as .ci/run starts one."""

    def __init__(self, folder: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in re.findall(
            r"\d+", p.parent.name)])
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = bins[-1]
        self.data = folder / "pgdata"
        self.port = free_port()
        self.folder = folder
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *args: str, quiet: bool = True) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["su", "postgres", "-c", " ".join(map(_quote, command))]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL if quiet else None)

    def start(self) -> str:
        self.data.mkdir()
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8")
        # The settings docs/deploy.md recommends (deploy/postgresql.conf); fsync stays on: commit latency is part
        # of what a submission costs.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {line.split('=')[0].strip()}={line.split('=')[1].split('#')[0].strip()}"
            for line in (ROOT / "deploy" / "postgresql.conf").read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#"))
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "postgres.log"),
                  "-w", "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "jichiho_bench")
        return f"postgresql://postgres@127.0.0.1:{self.port}/jichiho_bench"

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _refuse_unless_empty(env: dict) -> None:
    """The benchmark adds 5,000 synthetic people: never to a database that already has accounts."""
    check = subprocess.run([sys.executable, "-c", (
        "from app import create_app\nfrom extensions import db\nfrom accounts.models import User\n"
        "app = create_app()\nwith app.app_context(): print(db.session.query(User).count())")],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if check.returncode != 0 or check.stdout.strip() != "0":
        raise SystemExit("DATABASE_URL must name an empty database: the benchmark fills it with synthetic "
                         f"learners (found {check.stdout.strip() or check.stderr.strip()[-200:]} accounts)")


def flask(env: dict, *args: str) -> float:
    """Run a `flask` command; return its wall time in seconds."""
    started = time.perf_counter()
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


# --- signing in ------------------------------------------------------------------------------------------------


class Browser:
    """Signs in through the real form (GET /login for the CSRF token, POST /login) and keeps the session."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.csrf = ""

    def get(self, path: str) -> str:
        request = urllib.request.Request(self.base + path, headers={"User-Agent": USER_AGENT})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def login(self, email: str, password: str) -> None:
        page = self.get("/login")
        self.csrf = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))
        body = urllib.parse.urlencode({"csrf_token": self.csrf, "email": email, "password": password}).encode()
        request = urllib.request.Request(self.base + "/login", data=body, headers={"User-Agent": USER_AGENT})
        try:
            self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            if error.code != 302:
                raise SystemExit(f"signing in {email} failed: {error.code}") from error
        else:
            raise SystemExit(f"signing in {email} did not redirect")

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- the runs --------------------------------------------------------------------------------------------------


@dataclass
class Run:
    key: str
    label: str
    lines: list[tuple[str, str, str, str]]
    expect: str = "200"
    once: bool = False


@dataclass
class Result:
    run: Run
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    errors: int
    other_load: float = 0.0  # % of the machine's CPU used by other processes meanwhile

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _process_jiffies(pids) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _children(parent: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            match = re.search(r"^PPid:\s+(\d+)", status.read_text(), re.M)
        except OSError:
            continue
        if match and int(match.group(1)) == parent:
            found.append(int(status.parent.name))
    return found


class OtherLoad:
    """How busy the machine was with processes other than the benchmark's own (gunicorn, wrk, the throwaway
    PostgreSQL) while a page was measured: this is a shared machine, and a number taken while something else
    ran is marked as such instead of passing for the app's own."""

    def __init__(self, server_pid: int, postgres_pid: int | None):
        self.parents = [server_pid] + ([postgres_pid] if postgres_pid else [])

    def __enter__(self):
        self.ours = [p for parent in self.parents for p in [parent, *_children(parent)]]
        self.machine = _cpu_jiffies()
        self.own = _process_jiffies(self.ours)
        self.wrk = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc):
        busy, total = _cpu_jiffies()
        ticks = os.sysconf("SC_CLK_TCK")
        rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_ticks = ((rusage.ru_utime + rusage.ru_stime) - (self.wrk.ru_utime + self.wrk.ru_stime)) * ticks
        own = _process_jiffies(self.ours) - self.own + wrk_ticks
        elapsed = total - self.machine[1]
        self.percent = max(0.0, 100 * (busy - self.machine[0] - own) / elapsed) if elapsed else 0.0


def wrk(base: str, run: Run, folder: Path, duration: int, connections: int) -> Result:
    requests_file = folder / f"{run.key}.tsv"
    requests_file.write_text("".join("\t".join(line) + "\n" for line in run.lines), encoding="utf-8")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s",
               str(ROOT / "bench" / "wrk.lua"), base, "--", str(requests_file), run.expect]
    if run.once:
        command.append("once")
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    found = re.search(r"^BENCH (\{.*\})$", result.stdout, re.M)
    if result.returncode != 0 or not found:
        raise SystemExit(f"wrk failed for {run.label}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(found.group(1))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout", "unexpected"))
    return Result(run, data["requests"], data["seconds"], data["p50_us"] / 1000, data["p95_us"] / 1000,
                  data["p99_us"] / 1000, errors)


def worker_rss(master_pid: int) -> list[float]:
    """The resident set size (MB) of each of gunicorn's workers (the master's children)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
        rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        if ppid and rss and int(ppid.group(1)) == master_pid:
            sizes.append(int(rss.group(1)) / 1024)
    return sorted(sizes)


def serve(env: dict, port: int, workers: int, logfile: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--max-requests", "0", "app:create_app()"]
    out = logfile.open("ab")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)

    def up() -> bool:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited:\n" + logfile.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(up, 60, "gunicorn")
    return server


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the table -------------------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    base = results[0].rps
    lines = [f"| {'page':<34} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'errors':>6} | "
             f"{'× baseline':>10} | {'other load':>10} |",
             f"|{'-' * 36}|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|{'-' * 11}:|{'-' * 11}:|"]
    for r in results:
        lines.append(f"| {r.run.label:<34} | {r.rps:7.1f} | {r.p50:7.1f} | {r.p95:7.1f} | {r.p99:7.1f} | "
                     f"{r.errors:6d} | {r.rps / base if base else 0:10.2f} | {r.other_load:9.0f}% |")
    return "\n".join(lines)


def verdicts(results: list[Result], rss: list[float]) -> list[str]:
    by_key = {r.run.key: r for r in results}
    base = by_key["healthz"].rps
    out = []
    lesson = by_key["lesson"]
    out.append(_verdict(f"lesson page ≥ 35% of baseline req/s ({lesson.rps / base:.0%})",
                        lesson.rps >= TARGETS["lesson"]["ratio"] * base))
    out.append(_verdict(f"lesson page p99 < 50 ms ({lesson.p99:.1f} ms)", lesson.p99 < TARGETS["lesson"]["p99"]))
    submit = by_key["submit"]
    out.append(_verdict(f"quiz submission p95 < 50 ms ({submit.p95:.1f} ms)", submit.p95 < TARGETS["submit"]["p95"]))
    review = by_key["review"]
    out.append(_verdict(f"200-learner cohort review p95 < 150 ms ({review.p95:.1f} ms)",
                        review.p95 < TARGETS["review"]["p95"]))
    errors = sum(r.errors for r in results)
    out.append(_verdict(f"no errors ({errors})", errors == 0))
    out.append(_verdict(f"worker RSS < {RSS_TARGET_MB} MB ({', '.join(f'{m:.0f}' for m in rss)} MB)",
                        bool(rss) and max(rss) < RSS_TARGET_MB))
    return out


def _verdict(text: str, ok: bool) -> str:
    return f"{'met   ' if ok else 'MISSED'} {text}"


# --- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--duration", type=int, default=15, help="seconds per page (default 15)")
    parser.add_argument("--connections", type=int, default=2,
                        help="concurrent connections, default 2: one per worker keeps both busy")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL cluster")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs (printed at the end)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", help="comma-separated run keys (healthz is always run)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="jichiho-bench-"))
    postgres = None
    server = None
    statutes_dir = os.environ.get("STATUTES_DIR") or str(ROOT.parent / "shared" / "statutes")
    try:
        if args.postgres:
            postgres = ThrowawayPostgres(folder)
            url = postgres.start()
        else:
            url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
        database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({
            "DATABASE_URL": url, "SECRET_KEY": "bench-" + os.urandom(8).hex(), "STATUTES_DIR": statutes_dir,
            # 101 sign-ins from one address within a minute: the per-IP limit would (rightly) refuse them.
            "FLASK_LOGIN_RATE_LIMIT": "100000 per minute", "PYTHONPATH": str(ROOT),
            "GUNICORN_LOG_LEVEL": "warning",
        })
        log(f"== database: {database} ({folder if not args.postgres else url})")
        flask(env, "db", "upgrade")
        if not args.postgres and os.environ.get("DATABASE_URL"):
            _refuse_unless_empty(env)
        statute_seconds = None
        if Path(statutes_dir).is_dir():
            statute_seconds = flask(env, "statutes", "import", "--dir", statutes_dir)
            log(f"statutes imported in {statute_seconds:.1f} s")
        else:
            log(f"no statutes at {statutes_dir}: article pages are left out")
        content_seconds = flask(env, "content", "import", "content")
        log(f"content imported in {content_seconds:.1f} s")

        log(f"== seeding {args.learners} learners in {args.cohorts} cohorts (seed {args.seed})")
        seeded = subprocess.run([sys.executable, "-m", "bench.seed", "--database", url, "--seed", str(args.seed),
                                 "--learners", str(args.learners), "--cohorts", str(args.cohorts), "--plan"],
                                cwd=ROOT, env=env, capture_output=True, text=True)
        if seeded.returncode != 0:
            raise SystemExit(f"seeding failed:\n{seeded.stdout}\n{seeded.stderr}")
        log("\n".join(line for line in seeded.stderr.splitlines() if line.startswith(("seeded", "planned"))))
        plan = json.loads(seeded.stdout.strip().splitlines()[-1])

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(env, port, args.workers, folder / "gunicorn.log")
        log(f"== gunicorn: {args.workers} sync workers on {base}; signing in {len(plan['learners'])} learners")
        sessions = {}
        for user in plan["learners"] + [plan["mentor"]]:
            browser = Browser(base)
            browser.login(user, plan["password"])
            sessions[user] = browser
        runs = build_runs(plan, sessions)
        if args.only:
            wanted = {"healthz", *args.only.split(",")}
            runs = [r for r in runs if r.key in wanted]
        results = []
        for run in runs:
            # Warm both workers (templates, caches, the database's pages) without measuring.
            wrk(base, Run(run.key + "-warm", run.label, run.lines[:50] if not run.once else [], run.expect),
                folder, 2, args.connections) if not run.once else None
            with OtherLoad(server.pid, postgres.pid() if postgres else None) as load:
                results.append(wrk(base, run, folder, args.duration, args.connections))
            r = results[-1]
            r.other_load = load.percent
            log(f"{run.label:34} {r.rps:7.1f} req/s  p50 {r.p50:6.1f}  p95 {r.p95:6.1f}  p99 {r.p99:6.1f} ms  "
                f"errors {r.errors}  other load {r.other_load:.0f}%")
        rss = worker_rss(server.pid)
    finally:
        if server is not None:
            stop(server)
        if postgres is not None:
            postgres.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    print()
    print(f"自治法アカデミー load benchmark — {database}, gunicorn {args.workers} sync workers, wrk 1 thread "
          f"{args.connections} connections, {args.duration} s per page, seed {args.seed}")
    print(f"data: {plan['rows'].get('users', 0):,} users, {args.cohorts} cohorts, "
          f"{plan['rows'].get('lesson_completions', 0):,} lessons read, {plan['rows'].get('attempts', 0):,} attempts, "
          f"{plan['rows'].get('responses', 0):,} answers; machine: {os.cpu_count()} cores")
    print()
    print(table(results))
    print("(other load: the share of the machine's CPU that processes other than the benchmark's used meanwhile)")
    print()
    print(f"worker RSS after the run: {', '.join(f'{m:.0f} MB' for m in rss)}")
    print(f"content import (flask content import content): {content_seconds:.1f} s")
    if statute_seconds is not None:
        print(f"statute import (flask statutes import --dir): {statute_seconds:.1f} s")
    print(f"seeding: {plan['seconds']:.1f} s")
    if {"lesson", "submit", "review"} <= {r.run.key for r in results}:
        print()
        print("\n".join(verdicts(results, rss)))
    if args.keep:
        print(f"\nkept: {folder}")
    if args.json:
        args.json.write_text(json.dumps({
            "database": database, "workers": args.workers, "connections": args.connections,
            "duration": args.duration, "seed": args.seed, "rows": plan["rows"], "rss_mb": rss,
            "content_import_s": content_seconds, "statute_import_s": statute_seconds, "seed_s": plan["seconds"],
            "results": [{"key": r.run.key, "label": r.run.label, "rps": r.rps, "p50": r.p50, "p95": r.p95,
                         "p99": r.p99, "errors": r.errors, "requests": r.requests, "other_load": r.other_load}
                        for r in results],
        }, ensure_ascii=False, indent=1))
    return 0


def build_runs(plan: dict, sessions: dict) -> list[Run]:
    readers, takers, submitters = plan["readers"], plan["takers"], plan["submitters"]

    def cookie(user):
        return sessions[user].cookie

    lessons = [("GET", path, cookie(user), "") for path in plan["lessons"] for user in readers]
    # Interleave users and lessons so consecutive requests differ in both.
    lessons = [lessons[(i * 7919) % len(lessons)] for i in range(len(lessons))]
    quiz_pages = [("GET", f"/quizzes/{quiz['id']}", cookie(user), "") for quiz in plan["quizzes"]
                  for user in takers]
    submissions = []
    for quiz in plan["quizzes"]:
        for user in submitters:
            body = urllib.parse.urlencode([("csrf_token", sessions[user].csrf), *quiz["answers"]])
            submissions.append(("POST", f"/quizzes/{quiz['id']}", cookie(user), body))
    runs = [
        Run("healthz", "/healthz (baseline)", [("GET", "/healthz", "", "")]),
        Run("lesson", "lesson page", lessons),
        Run("quiz", "quiz page (opens an attempt)", quiz_pages),
        Run("submit", "quiz submission (POST, graded)", submissions, expect="302:/attempts/", once=True),
        Run("dashboard", "/dashboard", [("GET", "/dashboard", cookie(user), "") for user in readers]),
    ]
    if plan["articles"]:
        runs.append(Run("article", "statute article page", [("GET", path, "", "") for path in plan["articles"]]))
    runs.append(Run("review", f"cohort review ({plan['cohort_learners']} learners)",
                    [("GET", f"/cohorts/{plan['cohort_id']}/review", cookie(plan["mentor"]), "")]))
    return runs


if __name__ == "__main__":
    sys.exit(main())

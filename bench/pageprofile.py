"""Profile one page of the benchmark's database in-process (pyinstrument), signed in as a bench user.

    .venv/bin/python -m bench.pageprofile --database sqlite:////tmp/jichiho-bench-…/bench.sqlite \\
        --user bench-learner-00001@example.jp /courses/jichiho-hajimeno-ippo/01-…/…  [-n 200] [--html out.html]

Keep a database with `python -m bench.run --keep`. Prints the mean time per request, the number of SQL
statements per request and pyinstrument's call tree (or writes it as HTML).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--user", help="sign in as this account (password: bench/seed.py BENCH_PASSWORD)")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--html", type=Path)
    parser.add_argument("--no-profile", action="store_true", help="only time it")
    parser.add_argument("--sql", action="store_true", help="print each statement of one request with its time")
    parser.add_argument("path")
    args = parser.parse_args()

    import logging

    from pyinstrument import Profiler
    from sqlalchemy import event

    from app import create_app
    from bench.seed import BENCH_PASSWORD
    from extensions import db

    logging.getLogger("jichiho").setLevel(logging.WARNING)
    url = args.database
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    if args.user:
        response = client.post("/login", data={"email": args.user, "password": BENCH_PASSWORD})
        assert response.status_code == 302, response.status_code
    for _ in range(3):
        response = client.get(args.path)
        assert response.status_code == 200, response.status_code
    statements = []

    def before(conn, _cursor, statement, *_args):
        conn.info["started"] = time.perf_counter()

    def after(conn, _cursor, statement, *_args):
        statements.append(((time.perf_counter() - conn.info["started"]) * 1000, statement))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    client.get(args.path)
    count = len(statements)
    if args.sql:
        for ms, statement in statements:
            print(f"{ms:8.1f} ms  {' '.join(statement.split())[:400]}")
        print(f"SQL: {sum(ms for ms, _ in statements):.1f} ms")
    started, cpu = time.perf_counter(), time.process_time()
    profiler = None if args.no_profile else Profiler(interval=0.0005)
    if profiler:
        profiler.start()
    for _ in range(args.n):
        client.get(args.path)
    if profiler:
        profiler.stop()
    elapsed = (time.perf_counter() - started) / args.n * 1000
    cpu = (time.process_time() - cpu) / args.n * 1000
    print(f"{args.path}: {elapsed:.2f} ms per request ({cpu:.2f} ms CPU), {count} statements, "
          f"{len(response.data) / 1024:.0f} KiB")
    if profiler:
        if args.html:
            args.html.write_text(profiler.output_html())
        else:
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()

"""The benchmark's synthetic population, deterministic by seed: 5,000 learners in 100 cohorts (学ぶ会) on the
bundled course, with their mentors, study sessions, lessons read, quiz attempts and answers.

    .venv/bin/python -m bench.seed --database sqlite:////tmp/bench.sqlite --seed 1

Expects a migrated database with the statutes and the bundled course imported (`bench/run.py` does both with
the real `flask` commands and times them). What it writes is what the application would have written:

- Cohorts are towns of a prefecture. The last one has exactly 200 learners (the review page the benchmark
  drives); the other 99 share the remaining learners, from a handful to a few hundred (log-normal sizes). Each has a
  mentor, a third a co-mentor, and study sessions every few weeks with the modules to finish before them.
- Cohorts started at different times over the past year, so some have finished the course and some have just
  begun. A learner starts within days of the cohort, reads lessons in course order at their own pace (0.5–4
  days a lesson) and stops at a point of their own (one in ten never starts); each lesson's quiz is taken
  after reading it and retaken, better, after a failure (at most three sittings). Answers use the stored
  formats; wrong ones lean towards one distractor. Every response stores the question's snapshot, as
  `quizzes.services.submit_attempt` does. About one learner in five has an attempt opened and not submitted.

Rows go in with bulk statements (COPY on PostgreSQL, executemany on SQLite) with explicit ids; PostgreSQL's
sequences are moved past them and the tables analysed afterwards. Everyone's password is `BENCH_PASSWORD`
(one hash, computed once).
"""

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COURSE = "jichiho-hajimeno-ippo"
BENCH_PASSWORD = "bench-password-2027"
# The data's "today": fixed, so that a seed always gives the same database (progress, stalled learners …).
DATA_NOW = datetime(2026, 11, 20, 9, 0)
LEARNERS = 5000
COHORTS = 100
BIG_COHORT = 200  # the last cohort: the review page of the benchmark
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOWNS = ("金沢", "高岡", "福井", "敦賀", "富山", "七尾", "小松", "加賀", "輪島", "珠洲",
         "羽咋", "白山", "能美", "野々市", "魚津", "氷見", "滑川", "黒部", "砺波", "小矢部",
         "南砺", "射水", "大野", "勝山", "鯖江", "あわら", "越前", "坂井", "小浜", "津幡")


def email(kind: str, n: int) -> str:
    return f"bench-{kind}-{n:05d}@example.jp"


# --- answers ---------------------------------------------------------------------------------------------------


def right_answer(qtype: str, data: dict):
    from quizzes import grading

    answer = grading.correct_answer(qtype, data)
    return grading.to_json(qtype, answer)


def wrong_answer(qtype: str, data: dict, rng: random.Random):
    """A plausible wrong answer in the stored format; one distractor attracts most wrong answers."""
    from quizzes import grading

    right = right_answer(qtype, data)
    if qtype == "single":
        wrong = [i for i in range(grading.option_count(qtype, data)) if i != right]
        return rng.choices(wrong, weights=[4] + [1] * (len(wrong) - 1))[0] if wrong else None
    if qtype == "multiple":
        others = [i for i in range(grading.option_count(qtype, data)) if i not in right]
        if others and rng.random() < 0.6:
            return sorted(set(right) | {rng.choice(others)})
        return sorted(right[:-1]) if len(right) > 1 else sorted(others[:1])
    if qtype == "truefalse":
        return not right
    if qtype == "number":
        value = float(right)
        return grading.format_decimal(value * 10 if rng.random() < 0.7 else value + 1)
    order = list(right)
    if len(order) > 1:
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    return order


# --- bulk writing ----------------------------------------------------------------------------------------------


class Writer:
    """Bulk inserts with explicit ids: COPY on PostgreSQL, executemany on SQLite. Values are plain Python; JSON
    columns are given as already-serialised text."""

    def __init__(self, session):
        self.session = session
        self.connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.raw = self.connection.connection.driver_connection
        self.counts: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        from sqlalchemy import text

        return (self.connection.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        rows = list(rows)
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        cursor = self.raw.cursor()
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                           [tuple(_sqlite_value(v) for v in row) for row in rows])
        cursor.close()

    def finish(self, tables: Sequence[str]) -> None:
        """Move PostgreSQL's id sequences past the explicit ids and refresh the planner's statistics."""
        from sqlalchemy import text

        if self.postgres:
            for table in tables:
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _sqlite_value(value):
    # The formats SQLAlchemy's SQLite dialect writes and reads.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- the population --------------------------------------------------------------------------------------------


def cohort_sizes(rng: random.Random, learners: int, cohorts: int) -> list[int]:
    """The last cohort has BIG_COHORT learners; the others share the rest, log-normally (a few big towns). The
    big one comes last so that its rows have the highest ids: a plan that scans an index from its start (as
    PostgreSQL once did for the item statistics) shows up in the benchmark instead of hiding behind cohort 1."""
    rest = learners - BIG_COHORT
    weights = [rng.lognormvariate(0, 0.8) for _ in range(cohorts - 1)]
    scale = (rest - 3 * (cohorts - 1)) / sum(weights)
    sizes = [3 + math.floor(w * scale) for w in weights]
    for i in range(rest - sum(sizes)):  # what rounding left over
        sizes[i % len(sizes)] += 1
    return sizes + [BIG_COHORT]


def seed(seed_value: int = 1, learners: int = LEARNERS, cohorts: int = COHORTS, log=print) -> dict:
    """Write the population; returns what the load generator needs (the big cohort's id, its mentor, …)."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from curriculum.models import Course
    from extensions import db
    from lessons.services import course_lessons
    from quizzes.services import snapshot

    started = time.perf_counter()
    rng = random.Random(seed_value)
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    if course is None:
        raise SystemExit(f"the course {COURSE} is not imported: run `flask content import content` first")
    sequence = course_lessons(course.id)
    lessons = [lesson for _module, lesson in sequence]
    modules = []
    for module, _lesson in sequence:
        if module not in modules:
            modules.append(module)
    quizzes = {}
    for lesson in lessons:
        quiz = lesson.quiz
        if quiz is not None and not quiz.archived:
            questions = [q for q in quiz.questions if not q.archived]
            if questions:
                quizzes[lesson.id] = (quiz.id, quiz.pass_mark, questions)
    snapshots = {q.id: dumps(snapshot(q)) for _qid, _mark, qs in quizzes.values() for q in qs}
    from quizzes import grading

    rights = {q.id: dumps(right_answer(q.type, q.data)) for _qid, _mark, qs in quizzes.values() for q in qs}

    out = Writer(db.session)
    password_hash = generate_password_hash(BENCH_PASSWORD)
    sizes = cohort_sizes(rng, learners, cohorts)
    user_id = out.next_id("users")
    cohort_id0 = out.next_id("cohorts")
    membership_id = out.next_id("cohort_memberships")
    session_id = out.next_id("study_sessions")
    completion_id = out.next_id("lesson_completions")
    attempt_id = out.next_id("attempts")
    response_id = out.next_id("responses")
    user_columns = ("id", "email", "display_name", "organisation", "role", "password_hash", "created_at")
    users, cohort_rows, memberships, sessions, session_modules = [], [], [], [], []
    completions, attempts, responses = [], [], []
    counts = {"learners": 0, "mentors": 0, "open attempts": 0}
    bench_learners: list[int] = []
    big_mentor = None

    def flush_work():
        out.write("lesson_completions", ("id", "user_id", "lesson_id", "completed_at"), completions)
        out.write("attempts", ("id", "user_id", "quiz_id", "question_order", "choice_order", "started_at",
                               "submitted_at", "score", "correct_count", "passed"), attempts)
        out.write("responses", ("id", "attempt_id", "question_id", "answer", "correct", "question_snapshot"),
                  responses)
        completions.clear(), attempts.clear(), responses.clear()

    learner_n = 0
    mentor_n = 0
    for c, size in enumerate(sizes):
        cohort_id = cohort_id0 + c
        town = TOWNS[c % len(TOWNS)] + ("" if c < len(TOWNS) else f"第{c // len(TOWNS) + 1}")
        organisation = f"{town}市"
        # Started between 11 months and 2 weeks before the data's today; the course is planned for 6 months.
        starts = (DATA_NOW - timedelta(days=rng.uniform(14, 330))).date()
        mentor_ids = []
        for _ in range(1 if rng.random() < 0.67 else 2):
            mentor_n += 1
            users.append((user_id, email("mentor", mentor_n), f"指導役{mentor_n:03d}", organisation, "mentor",
                          password_hash, DATA_NOW - timedelta(days=400)))
            mentor_ids.append(user_id)
            user_id += 1
        if c == len(sizes) - 1:
            big_mentor = email("mentor", mentor_n - len(mentor_ids) + 1)
        code = "".join(rng.choice(INVITE_ALPHABET) for _ in range(10))
        cohort_rows.append((cohort_id, f"{organisation} 学ぶ会 {starts.year}", f"{organisation} DX推進課",
                            course.id, starts, starts + timedelta(days=180), code, True, 14, mentor_ids[0],
                            DATA_NOW - timedelta(days=(DATA_NOW.date() - starts).days + 7)))
        for mid in mentor_ids:
            memberships.append((membership_id, cohort_id, mid, "mentor",
                                datetime.combine(starts, datetime.min.time()), None, False))
            membership_id += 1
        held = starts
        for i in range(rng.randint(3, 6)):
            held = held + timedelta(days=rng.randint(21, 35))
            sessions.append((session_id, cohort_id, held, f"第{i + 1}回 学ぶ会"))
            for module in modules[2 * i: 2 * i + 2]:
                session_modules.append((session_id, module.id))
            session_id += 1
        counts["mentors"] += len(mentor_ids)

        for _ in range(size):
            learner_n += 1
            uid = user_id
            user_id += 1
            joined = datetime.combine(starts, datetime.min.time()) + timedelta(hours=rng.uniform(0, 24 * 10))
            users.append((uid, email("learner", learner_n), f"受講者{learner_n:05d}", organisation, "learner",
                          password_hash, joined))
            memberships.append((membership_id, cohort_id, uid, "learner", joined,
                                None if rng.random() > 0.02 else joined + timedelta(days=30), rng.random() < 0.1))
            membership_id += 1
            counts["learners"] += 1
            if learner_n % 33 == 1 and len(bench_learners) < 150:  # spread over the cohorts
                bench_learners.append(email("learner", learner_n))

            ability = min(0.95, max(0.25, rng.gauss(0.68, 0.15)))
            stop = 0.0 if rng.random() < 0.1 else rng.betavariate(2, 1.2)
            pace = rng.uniform(0.5, 4.0)  # days per lesson
            moment = joined + timedelta(days=rng.expovariate(1 / 5))
            done: set[int] = set()
            for lesson in lessons[: round(stop * len(lessons))]:
                moment += timedelta(days=rng.expovariate(1 / pace), minutes=rng.randint(10, 60))
                if moment >= DATA_NOW:
                    break
                completions.append((completion_id, uid, lesson.id, moment))
                completion_id += 1
                done.add(lesson.id)
                if lesson.id not in quizzes:
                    continue
                quiz_id, pass_mark, questions = quizzes[lesson.id]
                skill = ability
                for _sitting in range(3):
                    moment += timedelta(minutes=rng.randint(5, 40))
                    order = [q.id for q in questions]
                    rng.shuffle(order)
                    choice_order = {}
                    for q in questions:
                        count = grading.option_count(q.type, q.data)
                        if count:
                            shown = list(range(count))
                            rng.shuffle(shown)
                            choice_order[str(q.id)] = shown
                    right = 0
                    for q in questions:
                        p = min(0.98, max(0.05, skill - 0.12 * (q.difficulty - 2) + rng.uniform(-0.1, 0.1)))
                        ok = rng.random() < p
                        answer = rights[q.id] if ok else dumps(wrong_answer(q.type, q.data, rng))
                        responses.append((response_id, attempt_id, q.id, answer, ok, snapshots[q.id]))
                        response_id += 1
                        right += ok
                    score = round(100 * right / len(questions))
                    attempts.append((attempt_id, uid, quiz_id, dumps(order), dumps(choice_order),
                                     moment - timedelta(minutes=8), moment, score, right, score >= pass_mark))
                    attempt_id += 1
                    if score >= pass_mark:
                        break
                    skill = min(0.98, skill + 0.2)  # the explanation was read
            # Sometimes the next quiz was opened and left unsubmitted.
            if rng.random() < 0.2:
                todo = [lesson for lesson in lessons if lesson.id in quizzes and lesson.id not in done]
                if todo:
                    quiz_id, _mark, questions = quizzes[todo[0].id]
                    order = [q.id for q in questions]
                    rng.shuffle(order)
                    choice_order = {str(q.id): rng.sample(range(n), n) for q in questions
                                    if (n := grading.option_count(q.type, q.data))}
                    attempts.append((attempt_id, uid, quiz_id, dumps(order), dumps(choice_order),
                                     min(moment, DATA_NOW) - timedelta(minutes=3), None, None, None, None))
                    attempt_id += 1
                    counts["open attempts"] += 1
        if len(responses) > 50_000 or c == len(sizes) - 1:
            out.write("users", user_columns, users)
            users.clear()
            flush_work()
            db.session.commit()  # in batches: one transaction of gigabytes would grow SQLite's WAL as large
            out.connection = db.session.connection()
            out.raw = out.connection.connection.driver_connection
    out.write("users", user_columns, users)
    out.write("cohorts", ("id", "name", "organisation", "course_id", "starts_on", "ends_on", "invite_code",
                          "invite_open", "stall_days", "created_by_id", "created_at"), cohort_rows)
    out.write("cohort_memberships", ("id", "cohort_id", "user_id", "role", "joined_at", "left_at", "hide_name"),
              memberships)
    out.write("study_sessions", ("id", "cohort_id", "held_on", "note"), sessions)
    out.write("study_session_modules", ("session_id", "module_id"), session_modules)
    out.finish(("users", "cohorts", "cohort_memberships", "study_sessions", "lesson_completions", "attempts",
                "responses"))
    db.session.commit()
    if out.postgres:
        from sqlalchemy import text

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    seconds = time.perf_counter() - started
    log(f"seeded in {seconds:.1f} s: " + ", ".join(f"{n:,} {table}" for table, n in out.counts.items())
        + f"; {counts['open attempts']:,} attempts left open")
    return {"cohort_id": cohort_id0 + len(sizes) - 1, "cohort_learners": sizes[-1], "mentor": big_mentor,
            "password": BENCH_PASSWORD, "learners": bench_learners, "seed": seed_value, "course": COURSE,
            "seconds": round(seconds, 1), "rows": out.counts}


def plan(info: dict, log=print) -> dict:
    """What the load generator sends: lesson and article paths, and for each quiz a form that answers every
    question (display positions; any valid answer will do). The bench learners are split: the first 50 open
    quizzes (the quiz page run creates their attempts), the others submit; for them an attempt of every quiz is
    opened here with `quizzes.services.start_attempt`, as the quiz page does."""
    from sqlalchemy import select

    from accounts.models import User
    from curriculum.models import Course
    from extensions import db
    from lessons.services import course_lessons
    from quizzes import grading
    from quizzes.services import active_questions, start_attempt
    from statutes.models import Article, Law

    started = time.perf_counter()
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    lessons, quizzes = [], []
    for module, lesson in course_lessons(course.id):
        if lesson.status != "published":
            continue
        lessons.append(f"/courses/{course.slug}/{module.slug}/{lesson.slug}")
        quiz = lesson.quiz
        if quiz is None or quiz.archived or not active_questions(quiz):
            continue
        answers = []
        for q in active_questions(quiz):
            name = f"q-{q.id}"
            count = grading.option_count(q.type, q.data)
            if q.type == "single":
                answers.append((name, "0"))
            elif q.type == "multiple":
                answers += [(name, "0"), (name, "1")][:count]
            elif q.type == "truefalse":
                answers.append((name, "true"))
            elif q.type == "number":
                answers.append((name, grading.format_decimal(q.data.get("answer"))))
            else:
                answers += [(name, str(i)) for i in range(count)]
        quizzes.append({"id": quiz.id, "answers": answers, "object": quiz})
    law = db.session.scalar(select(Law).where(Law.law_id == "322AC0000000067"))
    articles = []
    if law is not None and law.current_version_id:
        articles = [f"/statutes/{law.law_id}/{num}" for num in db.session.scalars(
            select(Article.num).where(Article.version_id == law.current_version_id).order_by(Article.id))]
    learners = info["learners"]
    takers, submitters = learners[:50], learners[50:]
    rng = random.Random(info.get("seed", 1))
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(submitters)))}
    for address in submitters:
        for quiz in quizzes:
            start_attempt(users[address], quiz["object"], rng)
    db.session.commit()
    for quiz in quizzes:
        del quiz["object"]
    log(f"planned in {time.perf_counter() - started:.1f} s: {len(lessons)} lessons, {len(quizzes)} quizzes, "
        f"{len(articles)} articles, {len(submitters) * len(quizzes)} attempts opened for the submission run")
    return {**info, "lessons": lessons, "quizzes": quizzes, "articles": articles, "readers": learners,
            "takers": takers, "submitters": submitters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a database URL (sqlite:///… or postgresql://…)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learners", type=int, default=LEARNERS)
    parser.add_argument("--cohorts", type=int, default=COHORTS)
    parser.add_argument("--plan", action="store_true", help="also prepare the load generator's requests")
    args = parser.parse_args()
    from app import create_app

    url = args.database
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    def log(message):
        print(message, file=sys.stderr, flush=True)

    with app.app_context():
        info = seed(args.seed, args.learners, args.cohorts, log=log)
        if args.plan:
            info = plan(info, log=log)
    print(json.dumps(info, ensure_ascii=False))


if __name__ == "__main__":
    main()

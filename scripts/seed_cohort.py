#!/usr/bin/env python
"""Seed a large cohort on the bundled course and time the mentor's review page (docs/benchmarks.md).

    .venv/bin/python scripts/seed_cohort.py --database /tmp/cohort-bench.sqlite --learners 500 --measure 10

Builds the database with the real migrations, imports the statutes (when STATUTES_DIR exists) and the bundled
course, then adds a mentor (bench-mentor@example.jp), a cohort of N learners and their work: learners of
varied ability and pace read the lessons in order over twelve weeks, take each lesson's quiz, and retake it
(better) when they fail; about one in ten never starts and some stop early. Answers use the real formats, and
wrong answers lean towards one distractor, as real ones do. Running it again on the same database reuses the
seeded cohort. `--measure N` then requests the review page (and the other cohort pages) N times through the
Flask test client, signed in as the mentor, and prints the median and worst times and the query count.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MENTOR = "bench-mentor@example.jp"
PASSWORD = "bench-mentor-2027"
COURSE = "jichiho-hajimeno-ippo"
START = date(2027, 4, 1)


def _right_answer(question) -> object:
    data = question.data or {}
    if question.type == "single":
        return next(i for i, c in enumerate(data["choices"]) if isinstance(c, dict) and c.get("correct"))
    if question.type == "multiple":
        return [i for i, c in enumerate(data["choices"]) if isinstance(c, dict) and c.get("correct")]
    if question.type == "truefalse":
        return bool(data["answer"])
    if question.type == "number":
        from quizzes.grading import format_decimal

        return format_decimal(data["answer"])
    return list(range(len(data.get("items") or [])))


def _wrong_answer(question, rng: random.Random) -> object:
    data = question.data or {}
    right = _right_answer(question)
    if question.type == "single":
        wrong = [i for i in range(len(data["choices"])) if i != right]
        return rng.choices(wrong, weights=[4] + [1] * (len(wrong) - 1))[0]  # one distractor attracts most
    if question.type == "multiple":
        others = [i for i in range(len(data["choices"])) if i not in right]
        if others and rng.random() < 0.6:
            return sorted(set(right) | {rng.choice(others)})
        return sorted(right[:-1]) if len(right) > 1 else sorted(others[:1])
    if question.type == "truefalse":
        return not right
    if question.type == "number":
        return str(int(float(right)) * 10) if rng.random() < 0.7 else str(int(float(right)) + 1)
    order = list(right)
    if len(order) > 1:
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    return order


def seed(learners: int, seed_value: int) -> int:
    from sqlalchemy import func, insert, select

    from accounts.models import User
    from accounts.services import create_user, find_by_email
    from cohorts import services as cohorts
    from cohorts.models import Cohort, Membership
    from curriculum.models import Course
    from extensions import db
    from lessons.models import LessonCompletion
    from lessons.services import course_lessons
    from quizzes.models import Attempt, Response
    from quizzes.services import snapshot

    name = f"ベンチマーク学ぶ会 {learners}人 (seed {seed_value})"
    existing = db.session.scalar(select(Cohort.id).where(Cohort.name == name))
    if existing:
        print(f"reusing cohort {existing}: {name}")
        return existing
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    mentor = find_by_email(MENTOR) or create_user(MENTOR, PASSWORD, "ベンチ 指導役", "ベンチ市", role="mentor")
    cohort = cohorts.create_cohort(mentor, name, course.id, organisation="ベンチ市 DX推進課", starts_on=START,
                                   ends_on=START + timedelta(days=180))
    db.session.commit()

    tag = f"s{seed_value}c{cohort.id}"
    db.session.execute(insert(User), [
        {"email": f"bench-{tag}-{i}@example.jp", "display_name": f"受講者{i:04d}", "organisation": "ベンチ市",
         "role": "learner", "password_hash": "!"} for i in range(learners)])
    user_ids = list(db.session.scalars(select(User.id).where(User.email.like(f"bench-{tag}-%")).order_by(User.id)))
    db.session.execute(insert(Membership), [{"cohort_id": cohort.id, "user_id": uid, "role": "learner",
                                             "joined_at": datetime(2027, 4, 1, 1)} for uid in user_ids])
    db.session.commit()

    lessons = [lesson for _module, lesson in course_lessons(course.id)]
    quizzes = {lesson.id: lesson.quiz for lesson in lessons if lesson.quiz is not None}
    active = {lesson_id: [q for q in quiz.questions if not q.archived] for lesson_id, quiz in quizzes.items()}
    snapshots = {q.id: snapshot(q) for qs in active.values() for q in qs}
    rng = random.Random(seed_value)
    next_attempt = (db.session.scalar(select(func.max(Attempt.id))) or 0) + 1
    completions, attempts, responses = [], [], []

    def flush():
        for model, rows in ((LessonCompletion, completions), (Attempt, attempts), (Response, responses)):
            if rows:  # an empty list would insert one row of defaults
                db.session.execute(insert(model), rows)
        db.session.commit()
        completions.clear(), attempts.clear(), responses.clear()

    for n, user_id in enumerate(user_ids, start=1):
        ability = min(0.95, max(0.25, rng.gauss(0.68, 0.15)))
        share = 0.0 if rng.random() < 0.1 else rng.betavariate(2, 1.4)
        moment = datetime.combine(START, datetime.min.time()) + timedelta(hours=9 + rng.random() * 24 * 10)
        pace = rng.uniform(0.4, 2.5)  # days per lesson
        for lesson in lessons[: round(share * len(lessons))]:
            moment += timedelta(days=rng.expovariate(1 / pace))
            completions.append({"user_id": user_id, "lesson_id": lesson.id, "completed_at": moment})
            quiz = quizzes.get(lesson.id)
            if quiz is None or not active[lesson.id]:
                continue
            skill = ability
            for _sitting in range(3):
                moment += timedelta(minutes=rng.randint(5, 40))
                graded = []
                for q in active[lesson.id]:
                    p = min(0.98, max(0.05, skill - 0.12 * (q.difficulty - 2) + rng.uniform(-0.1, 0.1)))
                    ok = rng.random() < p
                    graded.append((q, _right_answer(q) if ok else _wrong_answer(q, rng), ok))
                right = sum(ok for _q, _a, ok in graded)
                score = round(100 * right / len(graded))
                attempts.append({"id": next_attempt, "user_id": user_id, "quiz_id": quiz.id,
                                 "question_order": [q.id for q, _a, _ok in graded], "choice_order": {},
                                 "started_at": moment - timedelta(minutes=8), "submitted_at": moment,
                                 "score": score, "correct_count": right, "passed": score >= quiz.pass_mark})
                responses.extend({"attempt_id": next_attempt, "question_id": q.id, "answer": answer, "correct": ok,
                                  "question_snapshot": snapshots[q.id]} for q, answer, ok in graded)
                next_attempt += 1
                if score >= quiz.pass_mark:
                    break
                skill = min(0.98, skill + 0.2)  # the explanation was read
        if n % 50 == 0:
            flush()
            print(f"  {n} learners seeded", flush=True)
    flush()
    return cohort.id


def measure(app, cohort_id: int, times: int) -> None:
    """Each page with the review's aggregates computed on every request (COHORT_CACHE_SECONDS = 0), then kept
    between requests (the default: recomputed only when the cohort's activity changes)."""

    from cohorts import review

    client = app.test_client()
    response = client.post("/login", data={"email": MENTOR, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = [f"/cohorts/{cohort_id}/review", f"/cohorts/{cohort_id}", f"/cohorts/{cohort_id}/deck",
             f"/cohorts/{cohort_id}/matrix.csv", f"/cohorts/{cohort_id}/questions.csv"]
    for label, seconds in (("computed on every request", 0), ("kept between requests", 60)):
        app.config["COHORT_CACHE_SECONDS"] = seconds
        review.clear_cache()
        print(f"\naggregates {label} (COHORT_CACHE_SECONDS = {seconds})")
        _time_pages(client, pages, times)


def _time_pages(client, pages: list[str], times: int) -> None:
    from sqlalchemy import event

    from extensions import db

    print(f"{'page':38} {'median ms':>10} {'max ms':>8} {'queries':>8} {'KiB':>6}")
    for url in pages:
        client.get(url)  # warm the caches (templates, SQLite pages, and the aggregates when kept)
        timings, statements = [], []

        def record(*_args, statements=statements):
            statements.append(1)

        for _ in range(times):
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", record)
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            event.remove(db.engine, "before_cursor_execute", record)
            assert response.status_code == 200, response.status_code
        print(f"{url:38} {statistics.median(timings):10.0f} {max(timings):8.0f} {len(statements):8d} "
              f"{len(response.data) / 1024:6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(ROOT / "instance" / "cohort-bench.sqlite"),
                        help="SQLite file, or a database URL (postgresql://…)")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=int, default=0, help="time each cohort page this many times")
    args = parser.parse_args()
    url = args.database if "://" in args.database else f"sqlite:///{Path(args.database).resolve()}"

    import logging

    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from config import environment_overrides
    from curriculum.models import Course
    from extensions import db

    logging.getLogger("jichiho").setLevel(logging.WARNING)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False,  # the test client signs in without a form page
                      "STATUTES_DIR": environment_overrides().get("STATUTES_DIR", str(ROOT.parent / "shared" /
                                                                                     "statutes"))})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Course.id).where(Course.slug == COURSE)) is None:
            from contentpack.services import import_pack
            from statutes.services import import_law_file, statute_files

            statutes = Path(app.config["STATUTES_DIR"])
            if statutes.is_dir():
                for path in statute_files(statutes):
                    import_law_file(path)
                db.session.commit()
            import_pack(ROOT / "content")
            db.session.commit()
            print("imported the statutes and the bundled course")
        started = time.perf_counter()
        cohort_id = seed(args.learners, args.seed)
        print(f"cohort {cohort_id} ready in {time.perf_counter() - started:.1f} s")
        if args.measure:
            measure(app, cohort_id, args.measure)


if __name__ == "__main__":
    main()

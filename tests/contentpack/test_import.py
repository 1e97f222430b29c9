"""`flask content import | export`: atomic, idempotent, never losing a learner's records; export round trips."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from contentpack.services import PackInvalid, export_pack, import_pack
from extensions import db
from lessons.models import Lesson, LessonCitation, LessonCompletion
from lessons.services import mark_done
from quizzes.models import Question
from tests.conftest import make_user
from tests.contentpack.test_check import LESSON, QUIZ, write_pack

CONTENT = Path(__file__).resolve().parents[2] / "content"


def counts() -> dict:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Lesson, Question, LessonCitation, LessonCompletion)}


def test_import_twice_changes_nothing(app, tmp_path):
    root = write_pack(tmp_path)
    first = import_pack(root)
    db.session.commit()
    assert first.created > 0
    before = counts()
    second = import_pack(root)
    db.session.commit()
    assert (second.created, second.updated, second.archived) == (0, 0, 0)
    assert counts() == before


def test_invalid_pack_writes_nothing(app, tmp_path):
    import_pack(write_pack(tmp_path / "good"))
    db.session.commit()
    before = counts()
    broken = write_pack(tmp_path / "bad", lesson=LESSON.replace("契約は", "改訂後の本文。契約は"),
                        quiz=QUIZ.replace("        correct: true\n", ""))
    with pytest.raises(PackInvalid):
        import_pack(broken)
    db.session.rollback()
    assert counts() == before
    assert "改訂後" not in db.session.scalar(select(Lesson.source))


def test_removed_lesson_is_archived_and_learner_records_stay(app, tmp_path):
    root = write_pack(tmp_path)
    import_pack(root)
    db.session.commit()
    learner = make_user()
    lesson = db.session.scalar(select(Lesson))
    mark_done(learner.id, lesson.id)
    db.session.commit()
    (root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.md").unlink()
    (root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.quiz.yaml").unlink()
    report = import_pack(root)
    db.session.commit()
    assert report.archived == 2  # the lesson and its quiz
    assert db.session.get(Lesson, lesson.id).archived
    assert db.session.scalar(select(func.count(LessonCompletion.id))) == 1
    import_pack(write_pack(tmp_path / "again"))  # the lesson comes back: same row, completion still there
    db.session.commit()
    assert not db.session.get(Lesson, lesson.id).archived


def test_edit_updates_in_place(app, tmp_path):
    root = write_pack(tmp_path)
    import_pack(root)
    db.session.commit()
    lesson_id = db.session.scalar(select(Lesson.id))
    path = root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.md"
    path.write_text(LESSON.replace("企業なら", "会社なら"), encoding="utf-8")
    report = import_pack(root)
    db.session.commit()
    assert report.updated == 1 and report.created == 0
    assert "会社なら" in db.session.get(Lesson, lesson_id).html


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def test_export_round_trip_is_a_fixed_point_on_the_bundled_course(app, tmp_path):
    import_pack(CONTENT)
    db.session.commit()
    export_pack(tmp_path / "one")
    report = import_pack(tmp_path / "one")
    db.session.commit()
    assert (report.created, report.updated, report.archived) == (0, 0, 0)
    export_pack(tmp_path / "two")
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    lessons = [p for p in _tree(tmp_path / "one") if p.endswith(".md")]
    assert len(lessons) == len(list(CONTENT.rglob("*.md")))


def test_a_crash_in_the_middle_of_an_import_leaves_the_database_unchanged(app, tmp_path, monkeypatch):
    import contentpack.services as services

    root = write_pack(tmp_path)
    import_pack(root)
    db.session.commit()
    before = counts()
    source_before = db.session.scalar(select(Lesson.source))
    (root / "courses" / "demo" / "01-keiyaku" / "01-gensoku.md").write_text(
        LESSON.replace("企業なら", "会社なら"), encoding="utf-8")
    (root / "courses" / "demo" / "01-keiyaku" / "02-atarashii.md").write_text(LESSON, encoding="utf-8")

    def crash(self, pack_terms):  # the glossary comes last: lessons have been written and flushed by now
        raise RuntimeError("power cut")

    monkeypatch.setattr(services._Importer, "glossary", crash)
    result = app.test_cli_runner().invoke(args=["content", "import", str(root)])
    assert result.exit_code != 0
    db.session.rollback()
    assert counts() == before
    assert db.session.scalar(select(Lesson.source)) == source_before

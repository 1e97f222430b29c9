"""Check, import and export a content pack. Import is atomic (the caller commits once, or nothing) and
idempotent (a second import of the same files writes nothing); content missing from the pack is archived,
never deleted, so no learner's completion or attempt is lost."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from contentpack.reader import Located, Pack, PackProblem, feedback_location, read_pack
from contentpack.yamlload import dump
from curriculum.models import Course, Module
from extensions import db
from lessons.markdown import Rendered, render
from lessons.models import GlossaryTerm, Lesson, TermCitation
from lessons.services import replace_citations, store_render
from quizzes.models import Question, QuestionCitation, Quiz
from statutes.services import CitationResolver


class PackInvalid(Exception):
    def __init__(self, problems: list[PackProblem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class CheckReport:
    pack: Pack
    problems: list[PackProblem]
    renders: dict = field(default_factory=dict)  # (file, field, line) → Rendered
    citations: int = 0
    verified: int = 0

    @property
    def counts(self) -> dict:
        modules = [m for c in self.pack.courses for m in c.modules]
        lessons = [ls for m in modules for ls in m.lessons]
        return {"courses": len(self.pack.courses), "modules": len(modules), "lessons": len(lessons),
                "quizzes": sum(1 for ls in lessons if ls.quiz),
                "questions": sum(len(ls.quiz.questions) for ls in lessons if ls.quiz),
                "terms": len(self.pack.terms)}


def _key(where: Located) -> tuple:
    return (where.file, where.field, where.line)


def check_pack(root: Path | str, resolver: CitationResolver | None = None) -> CheckReport:
    """Read the pack and render every Markdown text in it, collecting problems with file and line."""
    pack = read_pack(root)
    resolver = resolver or CitationResolver()
    report = CheckReport(pack=pack, problems=list(pack.problems))
    for text, where in pack.markdown_texts():
        rendered = render(text, resolver)
        report.renders[_key(where)] = rendered
        report.citations += sum(1 for _ in _citation_occurrences(text))
        report.verified += rendered.verified
        for problem in rendered.problems:
            report.problems.append(PackProblem(where.file, where.line + problem.line - 1, where.field,
                                               problem.message))
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def _citation_occurrences(text: str):
    from statutes.citations import CITATION_RE

    return CITATION_RE.finditer(text)


@dataclass
class ImportReport:
    check: CheckReport
    created: int = 0
    updated: int = 0
    archived: int = 0


def import_pack(root: Path | str) -> ImportReport:
    """Upsert the pack into the database. Raises PackInvalid (and writes nothing) if the pack has problems."""
    check = check_pack(root)
    if check.problems:
        raise PackInvalid(check.problems)
    report = ImportReport(check=check)
    importer = _Importer(check, report)
    for course in check.pack.courses:
        importer.course(course)
    importer.glossary(check.pack.terms)
    db.session.flush()
    return report


class _Importer:
    def __init__(self, check: CheckReport, report: ImportReport):
        self.check = check
        self.report = report

    def rendered(self, where: Located) -> Rendered:
        return self.check.renders[_key(where)]

    def assign(self, obj, **values) -> None:
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed and obj.id is not None:
            self.report.updated += 1

    def new(self, model, **values):
        obj = model(**values)
        db.session.add(obj)
        self.report.created += 1
        return obj

    def archive_missing(self, rows, keep_ids: set[int]) -> None:
        for row in rows:
            if row.id not in keep_ids and not row.archived:
                row.archived = True
                self.report.archived += 1

    def course(self, pack_course) -> None:
        course = db.session.scalar(select(Course).where(Course.slug == pack_course.slug))
        if course is None:
            course = self.new(Course, slug=pack_course.slug, title=pack_course.title)
        self.assign(course, title=pack_course.title, summary=pack_course.summary,
                    audience=pack_course.audience, archived=False)
        db.session.flush()
        existing = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
        kept = set()
        for pack_module in pack_course.modules:
            module = existing.get(pack_module.slug) or self.new(
                Module, course_id=course.id, slug=pack_module.slug, position=pack_module.position,
                title=pack_module.title)
            self.assign(module, position=pack_module.position, title=pack_module.title,
                        summary=pack_module.summary, objectives=list(pack_module.objectives),
                        requires=list(pack_module.requires), archived=False)
            db.session.flush()
            kept.add(module.id)
            self.lessons(module, pack_module.lessons)
        self.archive_missing(existing.values(), kept)

    def lessons(self, module: Module, pack_lessons) -> None:
        existing = {ls.slug: ls for ls in db.session.scalars(select(Lesson).where(Lesson.module_id == module.id))}
        kept = set()
        for pack_lesson in pack_lessons:
            lesson = existing.get(pack_lesson.slug) or self.new(
                Lesson, module_id=module.id, slug=pack_lesson.slug, position=pack_lesson.position,
                title=pack_lesson.title)
            self.assign(lesson, position=pack_lesson.position, title=pack_lesson.title,
                        summary=pack_lesson.summary, minutes=pack_lesson.minutes,
                        objectives=list(pack_lesson.objectives), tags=list(pack_lesson.tags),
                        status=pack_lesson.status, archived=False)
            rendered = self.rendered(pack_lesson.where)
            if lesson.source != pack_lesson.body or lesson.html != rendered.html:
                store_render(lesson, pack_lesson.body, rendered)
                if lesson.id is not None:
                    self.report.updated += 1
            else:
                store_render(lesson, pack_lesson.body, rendered)  # citations only, a no-op when unchanged
            db.session.flush()
            kept.add(lesson.id)
            self.quiz(lesson, pack_lesson.quiz)
        gone = [lesson for lesson in existing.values() if lesson.id not in kept]
        self.archive_missing(gone, kept)
        self.archive_missing(db.session.scalars(select(Quiz).where(Quiz.lesson_id.in_([ls.id for ls in gone]))),
                             set())

    def quiz(self, lesson: Lesson, pack_quiz) -> None:
        quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
        if pack_quiz is None:
            if quiz is not None and not quiz.archived:
                quiz.archived = True
                self.report.archived += 1
            return
        if quiz is None:
            quiz = self.new(Quiz, lesson_id=lesson.id, title=pack_quiz.title, pass_mark=pack_quiz.pass_mark)
        self.assign(quiz, title=pack_quiz.title, pass_mark=pack_quiz.pass_mark, archived=False)
        db.session.flush()
        existing = {q.key: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id))}
        kept = set()
        for position, pack_question in enumerate(pack_quiz.questions, start=1):
            rendered = self.rendered(pack_question.where)
            data = self.question_data(pack_question)
            question = existing.get(pack_question.key) or self.new(
                Question, quiz_id=quiz.id, key=pack_question.key, position=position, type=pack_question.type,
                prompt=pack_question.prompt)
            self.assign(question, position=position, type=pack_question.type, prompt=pack_question.prompt,
                        explanation=pack_question.explanation, explanation_html=rendered.html, data=data,
                        difficulty=pack_question.difficulty, tags=list(pack_question.tags), archived=False)
            replace_citations(question.citations, QuestionCitation, rendered.citations)
            db.session.flush()
            kept.add(question.id)
        self.archive_missing(existing.values(), kept)

    def question_data(self, pack_question) -> dict:
        data = dict(pack_question.data)
        if "choices" in data:
            choices = []
            for index, choice in enumerate(data["choices"]):
                choice = dict(choice)
                if choice["feedback"]:
                    choice["feedback_html"] = self.rendered(feedback_location(pack_question, index)).html
                choices.append(choice)
            data["choices"] = choices
        return data

    def glossary(self, pack_terms) -> None:
        existing = {t.term: t for t in db.session.scalars(select(GlossaryTerm))}
        kept = set()
        for position, pack_term in enumerate(pack_terms, start=1):
            definition = self.rendered(pack_term.where)
            analogy_html = ""
            refs = list(definition.citations)
            if pack_term.private_analogy:
                analogy = self.rendered(Located(pack_term.where.file, pack_term.where.line, "private_analogy"))
                analogy_html = analogy.html
                refs += [r for r in analogy.citations if r not in refs]
            term = existing.get(pack_term.term) or self.new(
                GlossaryTerm, term=pack_term.term, definition=pack_term.definition)
            self.assign(term, reading=pack_term.reading, position=position, definition=pack_term.definition,
                        definition_html=definition.html, private_analogy=pack_term.private_analogy,
                        private_analogy_html=analogy_html, archived=False)
            replace_citations(term.citations, TermCitation, refs)
            db.session.flush()
            kept.add(term.id)
        self.archive_missing(existing.values(), kept)


# -- export --------------------------------------------------------------------------------------------------

def export_pack(dest: Path | str) -> int:
    """Write the database's current (not archived) content as a pack; returns the number of files written."""
    dest = Path(dest)
    written = 0

    def write(path: Path, text: str) -> None:
        nonlocal written
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1

    courses = db.session.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.slug)).all()
    modules = _group(db.session.scalars(select(Module).where(Module.archived.is_(False))
                                        .order_by(Module.position)), "course_id")
    lessons = _group(db.session.scalars(select(Lesson).where(Lesson.archived.is_(False))
                                        .order_by(Lesson.position)), "module_id")
    quizzes = {q.lesson_id: q for q in db.session.scalars(select(Quiz).where(Quiz.archived.is_(False)))}
    questions = _group(db.session.scalars(select(Question).where(Question.archived.is_(False))
                                          .order_by(Question.position)), "quiz_id")
    for course in courses:
        course_dir = dest / "courses" / course.slug
        write(course_dir / "course.yaml", dump(_drop_empty(
            {"title": course.title, "summary": course.summary, "audience": course.audience})))
        for module in modules.get(course.id, []):
            module_dir = course_dir / f"{module.position:02d}-{module.slug}"
            write(module_dir / "module.yaml", dump({
                "title": module.title, "summary": module.summary, "objectives": list(module.objectives),
                "requires": list(module.requires)}))
            for lesson in lessons.get(module.id, []):
                stem = f"{lesson.position:02d}-{lesson.slug}"
                front = {"title": lesson.title, "summary": lesson.summary, "minutes": lesson.minutes,
                         "objectives": list(lesson.objectives), "tags": list(lesson.tags)}
                if lesson.status != "published":
                    front["status"] = lesson.status
                write(module_dir / f"{stem}.md", f"---\n{dump(front)}---\n\n{lesson.source.strip()}\n")
                quiz = quizzes.get(lesson.id)
                if quiz is not None:
                    write(module_dir / f"{stem}.quiz.yaml", dump({
                        "title": quiz.title, "pass_mark": quiz.pass_mark,
                        "questions": [_question_out(q) for q in questions.get(quiz.id, [])]}))
    terms = db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.archived.is_(False))
                               .order_by(GlossaryTerm.position)).all()
    if terms:
        write(dest / "glossary.yaml", dump({"terms": [_drop_empty({
            "term": t.term, "reading": t.reading, "definition": t.definition,
            "private_analogy": t.private_analogy}) for t in terms]}))
    return written


def _group(rows, attribute: str) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(getattr(row, attribute), []).append(row)
    return grouped


def _drop_empty(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if v not in ("", None)}


def _question_out(question: Question) -> dict:
    out = {"key": question.key, "type": question.type, "prompt": question.prompt}
    data = question.data
    if question.type in ("single", "multiple"):
        out["choices"] = [_choice_out(c) for c in data["choices"]]
    elif question.type == "truefalse":
        out["answer"] = data["answer"]
    elif question.type == "number":
        out["answer"] = data["answer"]
        if data.get("unit"):
            out["unit"] = data["unit"]
    elif question.type == "order":
        out["items"] = list(data["items"])
    out.update({"explanation": question.explanation, "difficulty": question.difficulty,
                "tags": list(question.tags)})
    return out


def _choice_out(choice: dict):
    if not choice.get("correct") and not choice.get("feedback"):
        return choice["text"]
    out = {"text": choice["text"]}
    if choice.get("correct"):
        out["correct"] = True
    if choice.get("feedback"):
        out["feedback"] = choice["feedback"]
    return out

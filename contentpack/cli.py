import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from contentpack import services
from extensions import db

group = AppGroup("content", help="Check, import and export the content pack (Markdown + YAML).")


def _default_path() -> str:
    return current_app.config["CONTENT_DIR"]


def _require_database() -> None:
    """Citations are resolved against the database: say plainly when it has not been created yet."""
    from sqlalchemy import inspect

    if not inspect(db.engine).has_table("laws"):
        raise click.ClickException("the database has no tables yet: run `flask db upgrade` "
                                   "(and `flask statutes import --dir ../shared/statutes`), or `make run`, first")


@group.command("check")
@click.argument("path", required=False)
def check(path):
    """Validate a pack; print every problem as file:line: field: message."""
    _require_database()
    report = services.check_pack(path or _default_path())
    for problem in report.problems:
        click.echo(str(problem), err=True)
    counts = report.counts
    click.echo("{files} files: {courses} course(s), {modules} modules, {lessons} lessons, {quizzes} quizzes, "
               "{questions} questions, {terms} glossary terms".format(files=report.pack.files, **counts))
    if report.citations and not report.verified and not report.problems:
        click.echo(f"{report.citations} citations NOT verified: no statute text is imported "
                   "(run `flask statutes import --dir ../shared/statutes`).")
    else:
        click.echo(f"{report.verified} of {report.citations} citations verified against the imported statute text")
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s)", err=True)
        sys.exit(1)


@group.command("import")
@click.argument("path", required=False)
def import_(path):
    """Import a pack: all or nothing; re-importing the same files changes nothing."""
    _require_database()
    started = time.perf_counter()
    try:
        report = services.import_pack(path or _default_path())
    except services.PackInvalid as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s): nothing was imported", err=True)
        sys.exit(1)
    db.session.commit()
    counts = report.check.counts
    click.echo(f"imported {counts['lessons']} lessons, {counts['questions']} questions, {counts['terms']} terms: "
               f"{report.created} created, {report.updated} updated, {report.archived} archived "
               f"({time.perf_counter() - started:.2f}s)")


@group.command("export")
@click.argument("path")
def export(path):
    """Write the database's content to PATH in the pack format."""
    written = services.export_pack(Path(path))
    click.echo(f"wrote {written} files to {path}")

"""`flask statutes import FILE…`, `flask statutes import --dir DIR`, `flask statutes fetch LAW_ID`."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from extensions import db
from statutes import egov, services
from statutes.models import Article

group = AppGroup("statutes", help="Import statute texts (e-Gov XML) and fetch them from e-Gov.")


def _import_one(path: Path) -> bool:
    """Import one file and commit it; print one line. False when it failed (already rolled back)."""
    started = time.perf_counter()
    try:
        version, created = services.import_law_file(path)
        law = version.law
        count = db.session.scalar(db.select(db.func.count(Article.id))
                                  .where(Article.version_id == version.id))
        current = law.current_version_id == version.id
        db.session.commit()
    except services.StatuteImportError as error:
        db.session.rollback()
        click.echo(f"error     {path.name}: {error}", err=True)
        return False
    elapsed = time.perf_counter() - started
    state = "imported " if created else "unchanged"
    marks = " (current)" if current else ""
    click.echo(f"{state} {path.name}: {law.title}, {count} articles, {elapsed:.2f} s{marks}")
    return True


@group.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Import every *.xml file of this folder.")
def import_command(files, directory):
    """Import e-Gov law XML files named <law ID>_<revision ID>.xml (unchanged files are skipped)."""
    paths = list(files)
    if directory is not None:
        paths += services.statute_files(directory)
    if not paths:
        raise click.UsageError("give FILE… or --dir DIR")
    failures = sum(not _import_one(path) for path in paths)
    services.refresh_current_versions()
    db.session.commit()
    if failures:
        raise click.ClickException(f"{failures} of {len(paths)} files could not be imported")


@group.command("fetch")
@click.argument("law_id")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to save the XML in (default: instance/statutes).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for e-Gov.")
def fetch_command(law_id, dest, timeout):
    """Download a law's current text from e-Gov's law API v2, save it and import it. LAW_ID is e-Gov's law
    ID, such as 322AC0000000067 (地方自治法)."""
    try:
        filename, xml = egov.fetch_law(law_id, timeout=timeout)
    except egov.FetchError as error:
        raise click.ClickException(f"{error}. This needs internet access; or download the XML elsewhere "
                                   "and use `flask statutes import FILE`.") from error
    folder = dest or Path(current_app.instance_path) / "statutes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(xml)
    click.echo(f"saved     {path}")
    if not _import_one(path):
        raise click.ClickException(f"{path.name} could not be imported")

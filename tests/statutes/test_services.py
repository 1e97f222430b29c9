"""Importing e-Gov XML into the database, choosing current versions, and resolving citations."""

import shutil
import time
from datetime import date

import pytest

from extensions import db
from statutes import services
from statutes.citations import parse_citation
from statutes.models import Article, Law, LawVersion
from tests.conftest import JICHIHO_CURRENT, STATUTES_DIR

JICHIHO_OLD = STATUTES_DIR / "322AC0000000067_20260101_506AC1000000064.xml"
JICHIHO_FUTURE = STATUTES_DIR / "322AC0000000067_20281211_507AC0000000087.xml"
SEKOREI = STATUTES_DIR / "322CO0000000016_20250623_507CO0000000213.xml"
CONSTITUTION = STATUTES_DIR / "321CONSTITUTION_chapter8.xml"


def test_import_the_current_jichiho(app, count_queries):
    started = time.perf_counter()
    version, created = services.import_law_file(JICHIHO_CURRENT)
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert created and elapsed < 5, f"importing the 2.4 MB file took {elapsed:.2f} s"

    law = db.session.scalar(db.select(Law).where(Law.law_id == "322AC0000000067"))
    assert law.title == "地方自治法" and law.current_version_id == version.id
    assert (version.revision_id, version.enforcement_date, version.amending_law_id) == (
        "20260924_506AC0000000065", date(2026, 9, 24), "506AC0000000065")
    assert len(version.source_sha256) == 64

    contract = services.current_article("322AC0000000067", "234_3")
    assert "長期継続契約" in contract.caption and contract.title == "第二百三十四条の三"
    council = services.current_article("322AC0000000067", "96")
    assert "5" in services.json.loads(council.structure_json)["1"] and 'id="p1-i5"' in council.html
    assert services.current_article("322AC0000000067", "244_6") is not None
    assert services.current_article("322AC0000000067", "999") is None
    positions = db.session.scalars(db.select(Article.position).where(Article.version_id == version.id)
                                   .order_by(Article.position)).all()
    assert positions == list(range(len(positions))) and len(positions) == 522

    with count_queries() as statements:
        again, created_again = services.import_law_file(JICHIHO_CURRENT)
    assert again.id == version.id and not created_again
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE"))]
    assert db.session.scalar(db.select(db.func.count(Article.id))) == 522


def test_current_version_is_chosen_by_enforcement_date(app):
    for path in (JICHIHO_FUTURE, JICHIHO_OLD, JICHIHO_CURRENT):  # any order
        services.import_law_file(path)
    db.session.commit()
    law = db.session.scalar(db.select(Law).where(Law.law_id == "322AC0000000067"))
    assert law.current_version.revision_id == "20260924_506AC0000000065"  # as of 2026-11-26
    assert len(law.versions) == 3 and db.session.scalar(db.select(db.func.count(Law.id))) == 1

    versions = {v.revision_id[:8]: v for v in law.versions}
    assert services.version_article(versions["20260924"], "244_6") is not None
    assert services.version_article(versions["20260101"], "244_6") is None
    assert services.version_article(versions["20281211"], "244_6") is not None

    changes = services.version_changes(versions["20260101"], versions["20260924"])
    assert changes.added == ["243_2_9", "244_6"] and changes.removed == []
    assert {"9", "74_2", "100", "204", "231_4", "242_2", "243", "243_2_7", "243_2_8", "287_2"} <= set(
        changes.changed)
    assert "234_3" not in changes.affected
    assert "204" in services.version_changes(versions["20260924"], versions["20281211"]).changed

    services.refresh_current_versions(date(2029, 1, 1))
    assert law.current_version.revision_id.startswith("20281211")
    services.refresh_current_versions(date(2026, 6, 1))
    assert law.current_version.revision_id.startswith("20260101")
    services.refresh_current_versions(date(2025, 1, 1))  # all in the future: the earliest
    assert law.current_version.revision_id.startswith("20260101")
    app.config["STATUTES_AS_OF"] = "2028-12-11"
    services.refresh_current_versions()
    assert law.current_version.revision_id.startswith("20281211")


def test_changed_file_replaces_its_revision(app, tmp_path):
    path = tmp_path / CONSTITUTION.name
    shutil.copy(CONSTITUTION, path)
    version, created = services.import_law_file(path)
    db.session.commit()
    assert created and version.revision_id == "" and version.enforcement_date is None
    law = db.session.scalar(db.select(Law).where(Law.law_id == "321CONSTITUTION"))
    assert law.current_version_id == version.id and law.title == "日本国憲法"

    path.write_bytes(CONSTITUTION.read_bytes().replace("議事機関".encode(), "議決機関".encode()))
    again, created = services.import_law_file(path)
    db.session.commit()
    assert created and again.id == version.id
    assert db.session.scalar(db.select(db.func.count(LawVersion.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Article.id))) == 4
    assert "議決機関" in services.current_article("321CONSTITUTION", "93").text


def test_unusable_files_raise_import_errors(app, tmp_path):
    bad_name = tmp_path / "jichiho.xml"
    bad_name.write_text("<Law/>")
    with pytest.raises(services.StatuteImportError, match="law ID"):
        services.import_law_file(bad_name)
    broken = tmp_path / "501AC0000000001_20250401_000000000000000.xml"
    broken.write_text("<Law><LawBody>")
    with pytest.raises(services.StatuteImportError, match="well-formed"):
        services.import_law_file(broken)
    with pytest.raises(services.StatuteImportError):
        services.import_law_file(tmp_path / "missing_20250401_000.xml")
    assert db.session.scalar(db.select(db.func.count(Law.id))) == 0


def test_resolver_checks_against_the_current_text(app, count_queries):
    services.import_law_file(JICHIHO_CURRENT)
    services.import_law_file(SEKOREI)
    db.session.commit()
    refs = {inner: parse_citation(inner) for inner in (
        "自治法234条の3", "自治法96条1項5号", "自治法2条9項1号", "施行令 別表第五",
        "施行令167条の2第1項第1号", "自治法999条", "自治法234条の3第5項", "自治法96条1項99号",
        "自治法234条の3第1項第1号", "自治法50条", "自治法20条", "施行令50条", "地財法5条", "施行令 別表第九")}
    resolver = services.CitationResolver()
    with count_queries() as statements:
        resolver.prefetch(refs.values())
        results = {inner: resolver.resolve(ref) for inner, ref in refs.items()}
        resolver.resolve(parse_citation("自治法1条"))
    assert len(statements) == 1  # one query for every law, however many citations

    ok = results["自治法234条の3"]
    assert ok.verified and ok.ok and ok.problem is None and ok.caption == "（長期継続契約）"
    assert ok.href == "/statutes/322AC0000000067/234_3" and ok.label == "地方自治法第234条の3"
    assert "翌年度以降にわたり" in ok.text and resolver.article_text(refs["自治法234条の3"]) == ok.text
    for inner in ("自治法96条1項5号", "自治法2条9項1号", "施行令 別表第五", "施行令167条の2第1項第1号"):
        assert results[inner].verified and results[inner].problem is None, inner
    assert results["自治法96条1項5号"].href == "/statutes/322AC0000000067/96#p1-i5"

    assert results["自治法999条"].problem == "地方自治法第999条は現行の条文にありません"
    assert results["自治法234条の3第5項"].problem == (
        "地方自治法第234条の3第5項は現行の条文にありません（第234条の3は全1項）")
    assert results["自治法96条1項99号"].problem == (
        "地方自治法第96条第1項第99号は現行の条文にありません（第96条第1項の号は第1号から第15号まで）")
    assert results["自治法234条の3第1項第1号"].problem == (
        "地方自治法第234条の3第1項第1号は現行の条文にありません（第234条の3第1項に号はありません）")
    assert results["自治法50条"].problem == "地方自治法第50条は削除されています"  # inside 第20条乃至第73条
    assert results["自治法20条"].problem == "地方自治法第20条は削除されています"
    assert results["施行令50条"].problem == "地方自治法施行令第50条は削除されています"  # 第8条から第90条まで
    assert results["施行令 別表第九"].problem == "地方自治法施行令別表第九は現行の条文にありません"

    unverified = results["地財法5条"]
    assert not unverified.verified and unverified.problem is None and unverified.text == ""
    assert unverified.href == "https://laws.e-gov.go.jp/law/323AC0000000109#Mp-At_5"


def test_resolver_loads_lazily_once_per_law(app, count_queries):
    services.import_law_file(CONSTITUTION)
    db.session.commit()
    resolver = services.CitationResolver()
    with count_queries() as statements:
        for inner in ("憲法92条", "憲法93条2項", "憲法93条3項", "自治法1条", "自治法2条"):
            resolver.resolve(parse_citation(inner))
    assert len(statements) == 2  # 憲法 once, 自治法 (not imported) once
    assert resolver.resolve(parse_citation("憲法93条3項")).problem == (
        "日本国憲法第93条第3項は現行の条文にありません（第93条は全2項）")


def test_laws_overview_and_toc(app, count_queries):
    services.import_law_file(JICHIHO_CURRENT)
    services.import_law_file(CONSTITUTION)
    db.session.commit()
    with count_queries() as statements:
        overview = services.laws_overview()
    assert len(statements) == 1
    assert [entry.abbreviation for entry in overview] == ["憲法", "自治法"]
    deleted = db.session.scalar(db.select(db.func.count(Article.id)).where(Article.deleted.is_(True)))
    assert deleted == 7 and overview[1].article_count == 522 - 7  # 削除 placeholders are not counted
    assert overview[1].version.revision_id == "20260924_506AC0000000065"

    version = overview[1].version
    with count_queries() as statements:
        toc = services.law_toc(version)
    assert len(statements) == 1
    finance = next(c for c in toc[1].children if c.title == "第九章　財務")
    contract = next(s for s in finance.children if s.title == "第六節　契約")
    assert any(a.num == "234_3" and a.caption == "（長期継続契約）" for a in contract.articles)
    assert toc[-1].title == "別表" and [a.num for a in toc[-1].articles] == ["appdx_1", "appdx_2"]

    article = services.current_article("322AC0000000067", "96")
    previous, following = services.article_neighbours(article)
    assert (previous.num, following.num) == ("95", "97")
    first = services.current_article("322AC0000000067", "1")
    assert services.article_neighbours(first)[0] is None


def test_cli_import_and_fetch(app, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["statutes", "import", str(CONSTITUTION)])
    assert result.exit_code == 0, result.output
    assert "imported  321CONSTITUTION_chapter8.xml: 日本国憲法, 4 articles" in result.output

    folder = tmp_path / "laws"
    folder.mkdir()
    shutil.copy(CONSTITUTION, folder)
    shutil.copy(SEKOREI, folder)
    (folder / "README.md").write_text("not a law")
    result = runner.invoke(args=["statutes", "import", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "unchanged 321CONSTITUTION_chapter8.xml" in result.output
    assert ("imported  322CO0000000016_20250623_507CO0000000213.xml: 地方自治法施行令, 362 articles"
            in result.output)

    (folder / "501AC0000000001_20250401_000000000000000.xml").write_text("<Law>")
    result = runner.invoke(args=["statutes", "import", "--dir", str(folder)])
    assert result.exit_code != 0 and "1 of 3 files could not be imported" in result.output

    result = runner.invoke(args=["statutes", "import"])
    assert result.exit_code != 0 and "FILE" in result.output

    from statutes import egov

    def offline(law_id, timeout):
        raise egov.FetchError("cannot reach e-Gov (https://laws.e-gov.go.jp/api/2): no network")

    monkeypatch.setattr(egov, "fetch_law", offline)
    result = runner.invoke(args=["statutes", "fetch", "405AC0000000088"])
    assert result.exit_code != 0 and "cannot reach e-Gov" in result.output

    xml = (STATUTES_DIR / "405AC0000000088_20240926_506AC0000000065.xml").read_bytes()
    monkeypatch.setattr(egov, "fetch_law", lambda law_id, timeout: (
        "405AC0000000088_20240926_506AC0000000065.xml", xml))
    result = runner.invoke(args=["statutes", "fetch", "405AC0000000088", "--dest", str(tmp_path / "fetched")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fetched" / "405AC0000000088_20240926_506AC0000000065.xml").read_bytes() == xml
    assert services.current_article("405AC0000000088", "1") is not None

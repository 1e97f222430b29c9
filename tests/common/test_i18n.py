"""The interface is Japanese first: every message in the code has a Japanese translation, and English works."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import login, make_user

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("**/tests/**", "ignore"), ("**/.venv/**", "ignore"), ("**.py", "python"),
              ("templates/**.html", "jinja2")]


def extracted_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}},
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def read_catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def translated(catalog) -> set[str]:
    """The message IDs (the singular, for a plural message) with a complete, non-fuzzy translation."""
    done = set()
    for m in catalog:
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.id and all(strings) and "fuzzy" not in m.flags:
            done.add(m.id if isinstance(m.id, str) else m.id[0])
    return done


def test_every_interface_message_has_a_japanese_translation():
    missing = sorted(extracted_messages() - translated(read_catalog("ja")))
    assert missing == [], f"untranslated (run scripts/update_translations.sh): {missing[:10]}"


def test_every_interface_message_has_an_english_text():
    """English message IDs still get an English msgstr, so the English catalog is complete and reviewed too."""
    missing = sorted(extracted_messages() - translated(read_catalog("en")))
    assert missing == [], f"no English text in translations/en (run scripts/update_translations.sh): {missing[:10]}"


def test_translations_keep_every_placeholder():
    for locale in ("ja", "en"):
        for m in read_catalog(locale):
            if not m.id:
                continue
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            wanted = set(re.findall(r"%\((\w+)\)", ids[0]))
            for string in strings:
                if string:
                    assert set(re.findall(r"%\((\w+)\)", string)) == wanted, (locale, ids[0], string)


def test_pages_are_japanese_by_default_and_english_on_request(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in page and "自治法アカデミー" in page and "ログイン" in page
    client.post("/locale", data={"locale": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page


def test_signed_in_language_is_remembered_for_the_user(app):
    make_user("en@example.jp")
    first = app.test_client()
    login(first, "en@example.jp")
    first.post("/locale", data={"locale": "en"})
    second = app.test_client()  # another browser: the choice comes from the account
    login(second, "en@example.jp")
    assert "My progress" in second.get("/dashboard").get_data(as_text=True)


def test_form_errors_are_in_japanese(client):
    page = client.post("/register", data={"email": "not-an-email", "password": "", "confirm": ""})
    text = page.get_data(as_text=True)
    assert "メールアドレス" in text and ("入力" in text or "必須" in text)

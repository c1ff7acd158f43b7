"""The Kazakh and Russian catalogs translate every user-facing string and are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("kk", "ru")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory):
    """The strings in the code and templates now, extracted as scripts/i18n.sh does."""
    pot = tmp_path_factory.mktemp("catalog") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
    command += ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "-o", str(pot), "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return read_po(handle)


def load(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def is_translated(message) -> bool:
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(form and form.strip() for form in forms)


def test_extraction_finds_the_user_facing_strings(extracted):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in extracted}
    for expected in ("Library events", "Register", "Staff login", "%(num)d seat left"):
        assert expected in ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_has_a_current_translation(extracted, locale):
    catalog = load(locale)
    problems = []
    for message in extracted:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None:
            problems.append(f"missing from the catalog (run scripts/i18n.sh): {message.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not is_translated(found):
            problems.append(f"untranslated: {message.id!r}")
        elif isinstance(message.id, tuple) != isinstance(found.id, tuple):
            problems.append(f"plural forms differ from the code: {message.id!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_their_placeholders(locale):
    errors = [
        f"{message.id!r}: {'; '.join(str(error) for error in problems)}"
        for message, problems in load(locale).check()
    ]
    assert not errors, "\n".join(errors)


def test_russian_has_three_plural_forms_and_kazakh_two():
    assert load("ru").num_plurals == 3
    assert load("kk").num_plurals == 2

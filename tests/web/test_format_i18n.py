"""Vietnamese and English number/date formats, and the interface text."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sodo.web.format import format_change, format_date, format_datetime, format_number, format_value
from sodo.web.i18n import MESSAGES, t, unit_text

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "sodo" / "web" / "templates"
WEB = Path(__file__).resolve().parents[2] / "src" / "sodo" / "web"


@pytest.mark.parametrize(("value", "lang", "decimals", "expected"), [
    (1234.5, "vi", None, "1.234,5"),
    (1234.5, "en", None, "1,234.5"),
    (1234567.891, "vi", 2, "1.234.567,89"),
    (12.0, "vi", None, "12"),
    (0.125, "en", 1, "0.1"),
    (-3.25, "vi", None, "-3,25"),
    (-0.001, "vi", 2, "0,00"),  # a zero at the decimals shown has no sign
    (-0.04, "en", 1, "0.0"),
    (None, "vi", None, "–"),
    (float("nan"), "en", None, "–"),
])
def test_format_number(value: float | None, lang: str, decimals: int | None,
                       expected: str) -> None:
    assert format_number(value, lang, decimals) == expected


def test_format_value_change_and_dates() -> None:
    assert format_value(85.5, "%", "vi") == "85,5 %"
    assert format_value(85.5, "%", "en") == "85.5%"
    assert format_value(1200, "hồ sơ", "vi") == "1.200 hồ sơ"
    assert format_change(1.5, "vi") == "+1,5"
    assert format_change(-2, "en") == "−2"
    assert format_change(0.0, "en") == "0"
    assert format_change(-0.001, "vi", 2) == "0,00"  # not "−0,00"
    assert format_change(-0.004, "en", 2) == "0.00" and format_change(0.004, "en", 2) == "0.00"
    assert format_change(-0.006, "vi", 2) == "−0,01"
    assert format_date(date(2025, 11, 26), "vi") == "26/11/2025"
    assert format_date(date(2025, 11, 26), "en") == "2025-11-26"
    assert format_date(date(2025, 11, 26), "en", long=True) == "26 Nov 2025"
    # The store keeps UTC; SQLite returns it without a zone: shown in Vietnam's time (UTC+7).
    assert format_datetime(datetime(2025, 11, 26, 14, 5), "vi") == "26/11/2025 21:05"
    # stored in UTC, shown in Vietnam's time (UTC+7), across midnight
    assert format_datetime(datetime(2025, 11, 26, 20, 5, tzinfo=UTC), "vi") == "27/11/2025 03:05"
    assert format_datetime("2025-11-26T20:05:00+00:00", "en") == "2025-11-27 03:05"


def test_messages_are_complete_and_nfc() -> None:
    for key, (vi, en) in MESSAGES.items():
        assert vi and en, key
        assert unicodedata.normalize("NFC", vi) == vi, key
    assert t("nav.overview") == "Tổng quan"
    assert t("nav.overview", "en") == "Overview"
    assert t("targets.not_found", "en", code="X") == "There is no target 'X'."
    assert unit_text("hồ sơ", "en") == "dossiers" and unit_text("hồ sơ", "vi") == "hồ sơ"
    assert unit_text("đơn vị lạ", "en") == "đơn vị lạ"


def test_every_key_used_in_templates_and_routes_exists() -> None:
    import importlib
    import pkgutil

    import sodo.web.pages as pages

    for info in pkgutil.iter_modules(pages.__path__):  # page modules register their texts
        importlib.import_module(f"sodo.web.pages.{info.name}")
    used: set[str] = set()
    pattern = re.compile(r"""\bt\(\s*['"]([a-z0-9_]+\.[a-z0-9_. ]+)['"]""")
    for path in [*TEMPLATES.glob("*.html"), *WEB.rglob("*.py")]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "no t('…') calls found: the pattern is wrong"
    missing = sorted(k for k in used if t(k, "vi") == k or t(k, "en") == k)
    assert not missing, missing

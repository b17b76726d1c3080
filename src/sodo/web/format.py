"""Number and date formats for the web pages: Vietnamese first, English second.

Vietnamese writes 1.234,5 (dot for thousands, comma for decimals) and dates as 26/11/2025;
English writes 1,234.5 and 2025-11-26 (or 26 Nov 2025 in running text).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from sodo.domain.periods import VIETNAM

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MISSING = "–"


def format_number(value: float | int | None, lang: str = "vi", decimals: int | None = None) -> str:
    """A number with the thousands and decimal separators of ``lang``.

    ``decimals=None`` keeps up to two decimals and drops trailing zeros, so 12.0 shows as 12
    and 12.345 as 12,35 (vi) / 12.35 (en).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = (f"{value:,.2f}".rstrip("0").rstrip(".") if decimals is None
            else f"{value:,.{decimals}f}")
    if text.startswith("-") and not text.strip("-0.,"):  # -0.00: a zero has no sign
        text = text[1:]
    if lang == "vi":
        # swap the separators through a placeholder: 1,234.5 -> 1.234,5
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_value(value: float | None, unit: str = "", lang: str = "vi",
                 decimals: int | None = None) -> str:
    """A value with its unit: "85,5 %" in Vietnamese, "85.5%" in English."""
    text = format_number(value, lang, decimals)
    if value is None or not unit:
        return text
    if unit == "%":
        return f"{text} %" if lang == "vi" else f"{text}%"
    if unit in ("hạng", "rank"):  # a rank reads "hạng 69" / "rank 69", never "69 hạng"
        return f"hạng {text}" if lang == "vi" else f"rank {text}"
    return f"{text} {unit}"


def format_change(value: float | None, lang: str = "vi", decimals: int | None = None) -> str:
    """A signed change, e.g. "+1,5" / "−2" (a true minus sign reads better in tables)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = format_number(abs(value), lang, decimals)
    if not text.strip("0.,"):  # no change at the decimals shown: "0,00", not "−0,00"
        return text
    return ("+" if value > 0 else "−") + text


def format_date(day: date | datetime | str | None, lang: str = "vi", long: bool = False) -> str:
    """26/11/2025 in Vietnamese; 2025-11-26 in English (26 Nov 2025 when ``long``)."""
    if day is None or day == "":
        return MISSING
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if isinstance(day, datetime):
        day = day.date()
    if lang == "vi":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if long:
        return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    return day.isoformat()


def format_datetime(moment: datetime | str | None, lang: str = "vi") -> str:
    """Date and minute in Vietnam's time, e.g. 26/11/2025 21:05 (vi) or 2025-11-26 21:05 (en).
    The store keeps every moment in UTC (``sodo.stores.operational.tables.utcnow``); SQLite hands them back
    without a zone, so a moment without one is read as UTC."""
    if moment is None or moment == "":
        return MISSING
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(VIETNAM)
    return f"{format_date(moment, lang)} {moment:%H:%M}"

"""Follow-up (đôn đốc) rules, pure: the kinds of notice, which reminder step a deadline is at on
an as-of date, who may turn what off, and the configuration with its documented defaults.

``sodo.toml``::

    [follow_up]
    task_due_soon_days = [14, 3]     # remind the lead agency this many days before a deadline
    overdue_every_days = 7           # then every 7 days once overdue (day 1, 8, 15…)
    escalate_after_days = 14         # escalate to the programme office and the unit's leader
    report_due_soon_days = 3         # remind a reporting unit this many days before a report is due
    digest_weekday = 1               # weekly digest from this ISO weekday on (1 = Monday)
    approved_within_days = 30        # notices of approvals decided within this many days
    retry_base_seconds = 300         # a failed e-mail is retried after 5 min, 10, 20… (doubling)
    retry_max_seconds = 21600        # … at most every 6 hours
    max_attempts = 12                # then the notice is marked failed (admins see it)
    interval_minutes = 60            # ``sodo serve`` runs the job this often (0: never)
    contact = "Văn phòng Chương trình"  # who to contact, written in every message

    [mail]
    sender = "sodo <sodo@localhost>"
    folder = ""                      # also write every e-mail as a .eml file here (demos)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sodo.domain.problems import InputError

KINDS = ("task_due_soon", "task_overdue", "task_escalation", "report_opening",
         "report_due_soon", "report_late", "submission_returned", "submission_approved",
         "digest")
#: Kinds a user cannot turn off (they can only choose e-mail or the inbox).
MANDATORY = ("task_escalation", "submission_returned")
CHANNELS = ("email", "inbox", "off")

KIND_LABELS = {
    "task_due_soon": ("Nhiệm vụ sắp đến hạn", "Task due soon"),
    "task_overdue": ("Nhiệm vụ quá hạn", "Task overdue"),
    "task_escalation": ("Báo cáo vượt cấp: nhiệm vụ quá hạn", "Escalation: task overdue"),
    "report_opening": ("Mở kỳ báo cáo", "Report period open"),
    "report_due_soon": ("Báo cáo sắp đến hạn", "Report due soon"),
    "report_late": ("Báo cáo chậm hạn", "Report late"),
    "submission_returned": ("Báo cáo bị trả lại", "Report returned"),
    "submission_approved": ("Báo cáo đã được phê duyệt", "Report approved"),
    "digest": ("Tổng hợp tuần", "Weekly digest"),
}


def kind_label(kind: str, lang: str = "vi") -> str:
    vi, en = KIND_LABELS.get(kind, (kind, kind))
    return en if lang == "en" else vi


@dataclass(frozen=True)
class FollowUpConfig:
    task_due_soon_days: tuple[int, ...] = (14, 3)
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    report_due_soon_days: int = 3
    digest_weekday: int = 1
    approved_within_days: int = 30
    retry_base_seconds: int = 300
    retry_max_seconds: int = 21600
    max_attempts: int = 12
    interval_minutes: int = 60
    contact: str = "Văn phòng Chương trình"

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "sodo.toml") -> FollowUpConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{where}: unknown [follow_up] setting(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "contact":
                values[name] = str(value)
                continue
            if name == "task_due_soon_days":
                items = value if isinstance(value, list | tuple) else [value]
                if not all(isinstance(v, int) and v >= 0 for v in items):
                    raise InputError(f"{where}: [follow_up] task_due_soon_days must be a list "
                                     "of whole numbers of days")
                values[name] = tuple(sorted(set(items), reverse=True))
                continue
            if not isinstance(value, int) or value < 0:
                raise InputError(f"{where}: [follow_up] {name} must be a whole number ≥ 0")
            values[name] = value
        config = cls(**values)
        if not 1 <= config.digest_weekday <= 7:
            raise InputError(f"{where}: [follow_up] digest_weekday must be 1 (Monday) to 7")
        if config.overdue_every_days < 1:
            raise InputError(f"{where}: [follow_up] overdue_every_days must be at least 1")
        return config

    def retry_delay(self, attempts: int) -> int:
        """Seconds to wait after the ``attempts``-th failed attempt (doubling, capped)."""
        if attempts <= 0:
            return 0
        return min(self.retry_max_seconds, self.retry_base_seconds * 2 ** (attempts - 1))


def task_step(due: date, as_of: date, config: FollowUpConfig) -> tuple[str, str] | None:
    """The reminder a not-done task with deadline ``due`` is owed at ``as_of``, as (kind,
    about): the tightest "due soon" threshold reached, else the overdue step (one every
    ``overdue_every_days`` from the first day after the deadline), else nothing."""
    days = (due - as_of).days
    if days >= 0:
        reached = [n for n in config.task_due_soon_days if days <= n]
        if not reached:
            return None
        return "task_due_soon", f"{due.isoformat()}/due-{min(reached)}"
    late = -days
    return "task_overdue", f"{due.isoformat()}/overdue-{(late - 1) // config.overdue_every_days}"


def escalation_due(due: date, as_of: date, config: FollowUpConfig) -> str | None:
    """The ``about`` of the escalation owed for a task overdue since ``due`` (once per
    deadline), or None before ``escalate_after_days``."""
    if (as_of - due).days >= config.escalate_after_days:
        return f"{due.isoformat()}/escalated"
    return None


def late_step(due: date, as_of: date, config: FollowUpConfig) -> int | None:
    """Which "report late" reminder a report due on ``due`` is at on ``as_of`` (None if not
    late): one on the first day after, then every ``overdue_every_days``."""
    late = (as_of - due).days
    if late <= 0:
        return None
    return (late - 1) // config.overdue_every_days


def digest_week(as_of: date, config: FollowUpConfig) -> str | None:
    """The ISO week the digest at ``as_of`` is for, from the configured weekday on."""
    if as_of.isoweekday() < config.digest_weekday:
        return None
    year, week, _ = as_of.isocalendar()
    return f"{year}-W{week:02d}"


def check_preference(kind: str, channel: str) -> None:
    if kind not in KINDS:
        raise InputError(f"unknown notice kind '{kind}' ({', '.join(KINDS)})")
    if channel not in CHANNELS:
        raise InputError(f"channel must be one of {', '.join(CHANNELS)}, not '{channel}'")
    if channel == "off" and kind in MANDATORY:
        raise InputError(f"notices of kind '{kind}' cannot be turned off (choose email or "
                         "inbox)")

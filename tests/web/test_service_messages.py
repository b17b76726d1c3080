"""Every message a user can cause, read from the services' own code, has a Vietnamese text:
the modules behind the pages' forms and the API's queries are walked (``raise InputError``,
``Conflict``, ``NotFound``, ``Forbidden``, ``PeriodError``, ``OrgUnitError`` and each
``Problem``), each message is rebuilt with sample values and must come back translated.
A message added tomorrow without a translation fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sodo
from sodo.web.forms import error_text, problem_text

SRC = Path(sodo.__file__).parent
# the services and rules behind the pages' forms (accounts, tokens, task workflow and
# progress, report forms) and the API's value queries
MODULES = ["services/accounts.py", "services/task_workflow.py", "services/task_progress.py",
           "services/reporting.py", "services/values.py", "domain/periods.py",
           "domain/orgunits.py", "domain/follow_up.py", "services/opendata.py",
           "services/reports/plan.py", "services/extract/__init__.py",
           "services/extract/readers.py"]
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạếềểễệóòỏõọíìỉĩịúùủũụýỳỷỹỵ]", re.IGNORECASE)
RAISED = {"InputError", "Conflict", "NotFound", "Forbidden", "PeriodError", "OrgUnitError",
          "Problem"}
# messages no form or query can cause (a programming error, an invariant), by their start
NOT_A_USERS = ("a stage is not determined", "a {} does not hold", "'{}' is recurring",
               "'{}' names no real period", "ou: resolving", "look-up budget",
               "'{}': {}", "{}: [follow_up]", "{}: unknown [follow_up]")
# a message that is only its values (a wrapper passing another's text on)
ONLY_VALUES = ("{}", "{}: {}")


def _template(node: ast.expr) -> str | None:
    """The message with ``{}`` for each interpolated value, or None if not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        left, right = _template(node.left), _template(node.right)
        return left + right if left is not None and right is not None else left
    return None


def messages() -> list[tuple[str, str]]:
    found = []
    for module in MODULES:
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) \
                if isinstance(node, ast.Call) else ""
            if name == "_refuse" and len(node.args) > 1:  # the readers': "<file>: <message>"
                message = _template(node.args[1])
                text = "{}: " + message if message is not None else None
            elif name in RAISED and node.args:
                text = _template(node.args[0])
            else:
                continue
            # already in Vietnamese (the plan workbook's messages): nothing to translate
            if text and text not in ONLY_VALUES and not text.startswith(NOT_A_USERS) \
                    and not VIETNAMESE.search(text):
                found.append((module, text))
    return found


def _sample(template: str) -> str:
    """The message as a user would meet it: numbers, codes and dates for the values."""
    sample = template
    for marker, value in (("opens for {} on {}", "opens for 2026Q4 on 2026-12-05"),
                          ("at least {} characters", "at least 10 characters")):
        sample = sample.replace(marker, value)
    return sample.replace("{}", "12")


@pytest.mark.parametrize(("module", "template"), messages())
def test_every_message_a_user_can_cause_is_said_in_vietnamese(module: str,
                                                              template: str) -> None:
    sample = _sample(template)
    said = problem_text(sample, "", "vi")
    assert said != sample, f"{module}: no Vietnamese text for {template!r}"
    assert problem_text(sample, "", "en") != "" and "{" not in said


def test_the_walk_finds_the_messages() -> None:
    found = {t for _, t in messages()}
    assert "user '{}' already exists" in found
    assert "say why the report is returned (a comment is required)" in found
    assert "{}: the text does not read as Vietnamese; sodo extracts tasks from Vietnamese " \
        "directives only" in found  # the extraction's readers, through their _refuse
    assert len(found) >= 30, len(found)


def test_a_refusal_says_its_summary_and_each_problem() -> None:
    from sodo.domain.problems import InputError, Problem

    exc = InputError("cannot add user 'Bad Name'", [
        Problem("invalid username 'Bad Name': lower-case ASCII letters, digits", rule="username"),
        Problem("unknown org-unit code '999'", rule="orgunit")])
    said = error_text(exc, "vi")
    assert said.startswith("Chưa thêm được người dùng «Bad Name»")
    assert "Tên đăng nhập «Bad Name» không hợp lệ" in said and "Không có đơn vị mã «999»" in said
    assert error_text(exc, "en").startswith("User 'Bad Name' was not added")

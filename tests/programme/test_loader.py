from pathlib import Path

import pytest

from sodo.domain.problems import InputError
from sodo.services.programme import load_programme, programme_json_schema

FIXTURES = Path(__file__).parent / "fixtures"


def load_errors(folder: str) -> list:
    with pytest.raises(InputError) as info:
        load_programme(FIXTURES / folder)
    return info.value.problems


def test_a_broken_programme_reports_every_problem_with_its_position():
    problems = load_errors("broken")
    found = {(p.file.split("/", 1)[1], p.line, p.column, p.rule) for p in problems}
    expected = {
        ("indicators.yaml", 6, 5, "duplicate"),  # second dvc_online
        ("indicators.yaml", 11, 15, "type"),  # decimals: nhiều
        ("targets.yaml", 3, 16, "indicator"),  # T1 on an unknown indicator
        ("targets.yaml", 10, 15, "type"),  # 2030Q5
        ("targets.yaml", 15, 5, "type"),  # unknown field colour
        ("tasks.yaml", 5, 15, "type"),  # tháng 13/2026
        ("tasks.yaml", 6, 5, "duplicate"),  # NV1 twice
    }
    assert expected <= found, sorted(found)
    messages = " | ".join(p.message for p in problems)
    assert "target T1 refers to unknown indicator 'khong_co'" in messages
    assert "duplicate indicator 'dvc_online'" in messages
    assert "duplicate task 'NV1'" in messages
    assert "unknown field 'colour'" in messages
    assert "2030Q5" in messages
    assert "tháng 13/2026" in messages


def test_unknown_org_unit_codes_are_reported_at_their_object():
    problems = load_errors("broken")
    by_message = {p.message: p for p in problems}
    t2 = by_message["org unit '99' is not a known org-unit code"]
    assert (t2.file.endswith("targets.yaml"), t2.line, t2.column) == (True, 8, 14)
    nv1 = by_message["lead agency 'BXX' is not a known org-unit code"]
    assert nv1.file.endswith("tasks.yaml")


def test_yaml_syntax_error_has_a_position(tmp_path):
    (tmp_path / "programme.yaml").write_text("programme:\n  code: X\n  name: [unclosed\n",
                                             encoding="utf-8")
    problems = load_errors_at(tmp_path)
    assert problems[0].rule == "yaml" and problems[0].line is not None


def test_wrong_types_and_unknown_sections(tmp_path):
    (tmp_path / "programme.yaml").write_text(
        "programme: {code: X, name: Y}\ntasks: {id: NV}\nmuc_tieu: []\n", encoding="utf-8")
    problems = load_errors_at(tmp_path)
    messages = [p.message for p in problems]
    assert "'tasks' must be a list" in messages
    assert any("unknown section 'muc_tieu'" in m for m in messages)
    assert {p.line for p in problems} == {2, 3}


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such programme"):
        load_programme(tmp_path / "nope")
    with pytest.raises(InputError, match=r"no \.yaml files"):
        load_programme(tmp_path)


def load_errors_at(path: Path) -> list:
    with pytest.raises(InputError) as info:
        load_programme(path)
    return info.value.problems


def test_a_good_programme_loads_and_text_is_nfc(tmp_path):
    import unicodedata

    loaded = load_programme(FIXTURES / "good")
    prog = loaded.programme
    assert prog.task("NV-OK").due.due.isoformat() == "2026-01-31"
    decomposed = unicodedata.normalize("NFD", (FIXTURES / "good" / "programme.yaml").read_text())
    (tmp_path / "programme.yaml").write_text(decomposed, encoding="utf-8")
    again = load_programme(tmp_path).programme
    assert again.name == "Chương trình mẫu"
    assert unicodedata.is_normalized("NFC", again.tasks[0].title)


def test_json_schema_describes_every_section():
    schema = programme_json_schema()
    assert set(schema["properties"]) >= {"programme", "indicators", "targets", "tasks", "values"}
    task = schema["$defs"]["Task"]
    assert {"lead", "partners", "deadline", "authority", "deliverable"} <= set(task["properties"])
    assert schema["$defs"]["Target"]["properties"]["comparator"]


def test_the_shipped_schema_file_is_up_to_date():
    """Editors read src/sodo/data/programme.schema.json; regenerate it with
    `sodo programme schema --out src/sodo/data/programme.schema.json` when the model changes."""
    import json
    from importlib import resources

    shipped = json.loads(resources.files("sodo.data").joinpath("programme.schema.json")
                         .read_text(encoding="utf-8"))
    assert shipped == programme_json_schema()

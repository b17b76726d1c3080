from datetime import date

import pytest

from sodo.domain.orgunits import OrgUnitError, OrgUnitLevel, default_hierarchy

TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def h():
    return default_hierarchy()


def test_shipped_counts_in_force_today(h):
    assert len(h.at_level("nation", on=TODAY)) == 1
    assert len(h.at_level("province", on=TODAY)) == 34
    assert len(h.at_level("commune", on=TODAY)) == 3321
    assert len(h.at_level("ministry", on=TODAY)) == 17


def test_before_the_2025_reorganisation_there_were_63_provinces(h):
    assert len(h.at_level("province", on=date(2025, 6, 30))) == 63
    assert len(h.at_level("province", on=date(2025, 7, 1))) == 34
    # Ministries: 7 predecessors before 01/3/2025 merged into current ones.
    before = {u.code for u in h.at_level("ministry", on=date(2025, 2, 28))}
    assert {"BTTTT", "BKHDT", "BGTVT"} <= before
    assert "BTTTT" not in {u.code for u in h.at_level("ministry", on=date(2025, 3, 1))}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("ha noi", "01"), ("Hà Nội", "01"), ("HA NOI", "01"), ("ho chi minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"), ("dak lak", "66"), ("Đắk Lắk", "66"), ("hue", "46"),
        ("can tho", "92"), ("Bộ Công an", "BCA"), ("bo khoa hoc va cong nghe", "BKHCN"),
        ("Bộ KH&CN", "BKHCN"), ("Văn phòng Chính phủ", "VPCP"), ("bkhcn", "BKHCN"),
        ("Phường Hoàn Kiếm", "00070"), ("00070", "00070"), ("Bộ Thông tin và Truyền thông", "BTTTT"),
    ],
)
def test_resolve_by_code_or_name_without_diacritics(h, query, code):
    assert h.resolve(query).code == code


def test_unknown_names_and_codes_are_errors(h):
    with pytest.raises(OrgUnitError, match="no org unit"):
        h.resolve("Atlantis")
    with pytest.raises(OrgUnitError, match="unknown org-unit code"):
        h.get("XX")


def test_search_ranks_exact_before_partial(h):
    found = h.search("ha", on=TODAY)
    assert found and all("ha" in " ".join(u.search_keys()) or u.code.lower() == "ha"
                          for u in found)
    assert h.search("ninh", on=TODAY, limit=5)[0].level is OrgUnitLevel.PROVINCE


def test_tree_and_ancestors(h):
    hk = h.get("00070")
    assert hk.parent == "01"
    assert [u.code for u in h.ancestors("00070")] == ["01", "VN"]
    assert len(h.children("01", on=TODAY)) == 126
    assert all(u.parent == "79" for u in h.children("79", on=TODAY))
    assert h.get("BCA").parent == "VN"


def test_ancestor_table_has_one_row_per_unit_and_ancestor(h):
    rows = h.ancestor_rows()
    by_unit = {}
    for unit, anc, depth in rows:
        by_unit.setdefault(unit, []).append((anc, depth))
    assert sorted(by_unit["00070"]) == [("00070", 0), ("01", 1), ("VN", 2)]
    assert sorted(by_unit["BCA"]) == [("BCA", 0), ("VN", 1)]
    assert by_unit["VN"] == [("VN", 0)]
    assert len(by_unit) == len(h)


def test_effective_dating_and_successors(h):
    quang_nam = h.resolve("Quảng Nam")
    assert quang_nam.code == "P63-49" and quang_nam.valid_to == date(2025, 6, 30)
    assert [u.code for u in h.successors_on("P63-49", TODAY)] == ["48"]
    assert [u.code for u in h.successors_on("P63-49", date(2025, 1, 1))] == ["P63-49"]
    assert [u.code for u in h.successors_on("BTTTT", TODAY)] == ["BKHCN"]
    assert {u.code for u in h.predecessors("BNNMT")} == {"BTNMT", "BNNPTNT"}
    # A province whose territory did not change continues as the same unit.
    assert h.get("01").active_on(date(2020, 1, 1))
    # A code reused by a different new province is not confused with the old one.
    assert h.get("24").name.endswith("Bắc Ninh") and h.get("P63-24").name == "Bắc Giang"

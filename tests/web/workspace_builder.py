"""A small workspace for the web tests: a programme with three targets and four tasks, and
computed 766-index values for the 34 provinces over two quarters."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Actor
from sodo.services import accounts
from sodo.services.programme import default_programme_path
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine

TODAY = date(2026, 11, 27)
PASSWORD = "mat-khau-thu-nghiem"
# username: (role, org unit)
USERS = {"admin": ("admin", "VN"), "hanoi.reporter": ("reporter", "01"),
         "hanoi.approver": ("approver", "01")}

PROGRAMME = """\
programme:
  code: WEB-TEST
  name: Chương trình thử nghiệm giao diện
  name_en: Web test programme
indicators:
  - code: dvc_online
    name: Tỷ lệ hồ sơ trực tuyến toàn trình
    name_en: Share of fully-online dossiers
    unit: "%"
    value_type: percent
    method: Số hồ sơ trực tuyến toàn trình / tổng số hồ sơ
  - code: kinh_te_so
    name: Tỷ trọng kinh tế số trong GDP
    name_en: Digital economy share of GDP
    unit: "%"
    value_type: percent
    method: Giá trị tăng thêm của kinh tế số / GDP
  - code: cap_quang
    name: Tỷ lệ hộ gia đình có cáp quang
    name_en: Households with fibre
    unit: "%"
    value_type: percent
    method: Số hộ gia đình có cáp quang / tổng số hộ gia đình
  - code: ho_so_tiep_nhan
    name: Số hồ sơ tiếp nhận trong kỳ
    name_en: Dossiers received in the period
    unit: hồ sơ
    value_type: count
    aggregation_time: sum
  - code: ty_le_hai_long
    name: Tỷ lệ hài lòng của người dân
    name_en: Citizen satisfaction rate
    unit: "%"
    value_type: percent
  - code: svc766_total
    name: Tổng điểm Bộ chỉ số 766
    name_en: 766 service index, total
    unit: điểm
    value_type: score
    method: Tổng điểm thang 100 theo cấu hình svc766.yaml
    source: {document: 766/QĐ-TTg}
targets:
  - id: MT-DVC
    indicator: dvc_online
    title: Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80%
    baseline: {period: "2024", value: 40}
    value: 80
    deadline: "2026"
    source: {document: QĐ 2629/QĐ-TTg}
  - id: MT-KTS
    indicator: kinh_te_so
    title: Kinh tế số chiếm 30% GDP
    baseline: {period: "2024", value: 18.3}
    milestones: [{period: "2027", value: 24}]
    value: 30
    deadline: "2030"
    source: {document: 4/TB-VPCP}
  - id: MT-CQ
    indicator: cap_quang
    title: 80% hộ gia đình có cáp quang
    value: 80
    deadline: "2026"
tasks:
  - id: NV-01
    title: Hoàn thành Cơ sở dữ liệu quốc gia về thủ tục hành chính
    work: Xây dựng và đưa vào vận hành Cơ sở dữ liệu quốc gia về thủ tục hành chính.
    lead: [VPCP]
    partners: [BKHCN]
    deadline: Quý I/2026
    authority: Thủ tướng Chính phủ
    deliverable: Cơ sở dữ liệu được vận hành
    responsible: Chủ nhiệm Văn phòng Chính phủ
    source: {document: 4/TB-VPCP}
  - id: NV-02
    title: Theo dõi, đôn đốc thực hiện Chương trình
    lead: [BKHCN]
    deadline: Thường xuyên
    source: {document: 4/TB-VPCP}
  - id: NV-03
    title: Ban hành kế hoạch chuyển đổi số năm 2027
    lead: ["01"]
    deadline: trước ngày 5 tháng 12 năm 2026
    deliverable: Kế hoạch được ban hành
    source: {document: QĐ 2629/QĐ-TTg}
  - id: NV-04
    title: Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực
    lead: ["79"]
    deadline: Quý IV/2027
    source: {document: QĐ 2629/QĐ-TTg}
forms:
  - code: BC-CDS
    name: Báo cáo chuyển đổi số hằng quý
    name_en: Quarterly digital-transformation report
    period_type: quarter
    orgunits: ["01", "79"]
    due_days: 90
    indicators:
      - {code: ho_so_tiep_nhan, integer: true, min: 0}
      - {code: ty_le_hai_long, min: 0, max: 100}
values:
  - {indicator: dvc_online, orgunit: VN, period: "2025", value: 45}
  - {indicator: kinh_te_so, orgunit: VN, period: "2025", value: 19.5}
  - {indicator: cap_quang, orgunit: VN, period: "2025", value: 85}
"""


def province_codes() -> list[str]:
    return [u.code for u in default_hierarchy().at_level("province", on=TODAY)]


def index_values() -> list[dict]:
    """svc766_total for every province in 2026Q2 and 2026Q3: Hà Nội (01) is first in Q3 and
    third in Q2, Cao Bằng (04) last; groups G1–G5 for Hà Nội in Q3."""
    now = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    rows = []
    codes = province_codes()
    for index, code in enumerate(codes):
        q3 = 90.0 - index * 1.5
        q2 = q3 - 2.0 if code != "01" else 84.5
        for period, value in (("2026Q3", q3), ("2026Q2", q2)):
            rows.append({"indicator": "svc766_total", "orgunit": code, "period": period,
                         "period_type": "quarter", "category": "", "value": value,
                         "origin": "computed", "state": "approved", "run_id": 1,
                         "updated_at": now})
    for group, value in zip(("svc766_g1", "svc766_g2", "svc766_g3", "svc766_g4", "svc766_g5"),
                            (17.5, 19.0, 20.0, 18.5, 15.0), strict=True):
        rows.append({"indicator": group, "orgunit": "01", "period": "2026Q3",
                     "period_type": "quarter", "category": "", "value": value,
                     "origin": "computed", "state": "approved", "run_id": 1, "updated_at": now})
    # a second indicator at province level, so the explorer can switch
    for index, code in enumerate(codes):
        rows.append({"indicator": "dvc_online", "orgunit": code, "period": "2026Q3",
                     "period_type": "quarter", "category": "", "value": 30.0 + index,
                     "origin": "computed", "state": "approved", "run_id": 1, "updated_at": now})
    return rows


def build_workspace(root: Path, database_url: str | None = None) -> Path:
    """Write ``sodo.toml``, the programme and the operational store (SQLite in the workspace,
    or the empty database at ``database_url``) with computed values and three users."""
    root.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{root / 'sodo.db'}"
    (root / "sodo.toml").write_text(
        f'[workspace]\nprogramme = "programme"\ndatabase_url = "{url}"\n', encoding="utf-8")
    (root / "programme").mkdir(exist_ok=True)
    (root / "programme" / "programme.yaml").write_text(PROGRAMME, encoding="utf-8")
    # the 766 index's configuration (groups, maxima, names) as the default programme has it
    shutil.copy(default_programme_path() / "svc766.yaml", root / "programme" / "svc766.yaml")
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(compute_run), [{
            "id": 1, "backend": "duckdb", "status": "done", "record_count": 1200,
            "finished_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC)}])
        conn.execute(insert(indicator_value), index_values())
    with Session(engine) as session:
        for username, (role, orgunit) in USERS.items():
            accounts.create_user(session, Actor.system(), username, PASSWORD, role, orgunit)
        session.commit()
    engine.dispose()
    return root

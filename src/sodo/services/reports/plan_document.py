"""The "Kế hoạch chuyển đổi số năm …" of a unit as Word, in the same Decree 30 layout as the
report ("KH" instead of "BC"): purposes and requirements, targets with their measurement
method and resources, resources by source of funds, organisation of implementation (who
reports what, when — from the programme's report forms), and the tasks as an appendix with
the six "rõ"."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from docx import Document
from docx.shared import Pt

from sodo.domain.permissions import Action, Actor, require
from sodo.domain.reports import document_number, number_vi, place_and_date, short_date
from sodo.services import catalogue
from sodo.services.context import AppContext
from sodo.services.reports import word
from sodo.services.reports.evaluation import issuer_of
from sodo.services.reports.plan import PlanImport, load_plan

PURPOSES = (
    "Cụ thể hóa các chỉ tiêu, nhiệm vụ chuyển đổi số của Chương trình quốc gia tại đơn vị; "
    "mỗi chỉ tiêu rõ ràng, định lượng, khả thi, có tính đột phá và có phương pháp đo lường.",
    "Mỗi nhiệm vụ bảo đảm “6 rõ”: rõ người, rõ việc, rõ trách nhiệm, rõ thời gian, rõ kết quả, "
    "rõ thẩm quyền; mỗi chỉ tiêu, nhiệm vụ gắn liền với nguồn lực thực thi.",
    "Thay thế báo cáo giấy bằng báo cáo điện tử: kết quả được cập nhật, theo dõi trên hệ thống "
    "số liệu của Chương trình.",
)


def _resources_text(plan: PlanImport, key: str) -> str:
    res = plan.resources.get(key)
    if res is None:
        return "chưa xác định"
    parts = []
    if res.budget is not None:
        parts.append(f"{number_vi(res.budget, 0)} triệu đồng")
    if res.funding:
        parts.append(", ".join(res.funding))
    if res.responsible:
        parts.append(res.responsible)
    return "; ".join(parts) or "chưa xác định"


def plan_docx(ctx: AppContext, actor: Actor, *, unit: str, year: int,
              number: int | None = None, issued_on: date | None = None,
              signer: str = "", version: int | None = None,
              plan: PlanImport | None = None) -> bytes:
    """The unit's plan of ``year`` (its latest version the actor may see, or ``version``)
    as a .docx file's bytes."""
    require(actor, Action.READ_PUBLIC)
    plan = plan or load_plan(ctx, actor, unit, year, version)
    issuer = issuer_of(unit)
    issuer = replace(issuer, code=issuer.code.replace("BC-", "KH-", 1))
    issued_on = issued_on or ctx.today()
    with ctx.session() as session:
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
    prog = plan.programme

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = word.FONT, Pt(word.BODY)
    word._fonts(normal.element)
    section = doc.sections[0]
    word._page(section)
    word._page_numbers(section)
    available = section.page_width - section.left_margin - section.right_margin
    doc.core_properties.title = prog.name
    doc.core_properties.author = issuer.name
    stamp = word._midnight(issued_on)
    doc.core_properties.created = doc.core_properties.modified = stamp
    word.header_block(doc, issuer, document_number(number, issuer.code),
                      place_and_date(issuer.place, issued_on), available)
    word._centre(doc, "KẾ HOẠCH", 14, bold=True, before=18)
    word._centre(doc, f"Chuyển đổi số năm {year}", 14, bold=True)
    word._rule(doc, word.Mm(40), available)

    word._heading(doc, "I. MỤC ĐÍCH, YÊU CẦU")
    for text in PURPOSES:
        word._par(doc, f"- {text}")
    word._heading(doc, "II. CHỈ TIÊU")
    rows = []
    for i, target in enumerate(prog.targets, start=1):
        ind = next((x for x in prog.indicators if x.code == target.indicator), None)
        base = target.baseline
        rows.append([str(i), ind.name if ind else target.indicator, ind.unit if ind else "",
                     (f"{number_vi(base.value)} ({base.period})" if base else "—"),
                     number_vi(target.value), ind.method if ind and ind.method else "—",
                     _resources_text(plan, target.id)])
    word._grid(doc, ("STT", "Chỉ tiêu", "ĐVT", "Hiện trạng", f"Năm {year}",
                     "Phương pháp đo lường", "Nguồn lực"), rows,
               (1.2, 4.2, 1.3, 2.0, 1.5, 3.4, 3.0), size=10.5, numeric=(4,))
    contributing = {k: v for k, v in plan.contributes.items()}
    if contributing:
        word._par(doc, "Đóng góp cho chỉ tiêu quốc gia: " + "; ".join(
            f"{k} → {v}" + (f" ({cat.target(v).title})" if cat.target(v) else "")
            for k, v in contributing.items()) + ".", 12, before=6)
    word._heading(doc, "III. NHIỆM VỤ")
    word._par(doc, f"{len(prog.tasks)} nhiệm vụ, chi tiết tại Phụ lục kèm theo (mỗi nhiệm vụ "
                   "rõ người, rõ việc, rõ trách nhiệm, rõ thời gian, rõ kết quả, rõ thẩm quyền).")
    word._heading(doc, "IV. NGUỒN LỰC THỰC HIỆN")
    totals: dict[str, float] = {}
    unnamed = 0
    for res in plan.resources.values():
        if res.budget is None or not res.funding:
            unnamed += 1
            continue
        share = res.budget / len(res.funding)
        for fund in res.funding:
            totals[fund] = totals.get(fund, 0.0) + share
    total = sum(totals.values())
    word._par(doc, f"Tổng kinh phí dự kiến: {number_vi(total, 0)} triệu đồng" + (
        "; trong đó: " + "; ".join(f"{k}: {number_vi(v, 0)} triệu đồng"
                                   for k, v in totals.items()) if totals else "") + ".")
    if unnamed:
        word._par(doc, f"{unnamed} chỉ tiêu, nhiệm vụ chưa xác định đủ kinh phí và nguồn vốn.",
                  italic=True)
    word._heading(doc, "V. TỔ CHỨC THỰC HIỆN")
    agencies = sorted({r.responsible for r in plan.resources.values() if r.responsible})
    word._par(doc, "Các cơ quan chịu trách nhiệm: " + ("; ".join(agencies) or "—") + ".")
    for form in cat.forms:
        word._par(doc, f"- Báo cáo “{form.name}” ({form.code}) trên hệ thống, theo kỳ "
                       f"{form.period_type}, đúng hạn quy định của biểu mẫu.")
    word._par(doc, f"Trên đây là Kế hoạch chuyển đổi số năm {year} của {issuer.name}./.",
              before=6)
    word.signature_block(doc, issuer, available, signer)

    word._appendix_section_titled(doc, "Phụ lục", f"Nhiệm vụ chuyển đổi số năm {year}",
                                  f"(Kèm theo Kế hoạch số "
                                  f"{document_number(number, issuer.code).removeprefix('Số:').strip()} "
                                  f"{short_date(issued_on)} của {issuer.name})")
    task_rows = [[str(i), t.title, ", ".join(t.lead) or "—", t.responsible or "—",
                  t.due.label("vi") if t.due.is_set else "—", t.deliverable or "—",
                  t.authority or "—", _resources_text(plan, t.id)]
                 for i, t in enumerate(prog.tasks, start=1)]
    word._grid(doc, ("STT", "Rõ việc", "Rõ người", "Rõ trách nhiệm", "Rõ thời gian",
                     "Rõ kết quả", "Rõ thẩm quyền", "Nguồn lực"), task_rows,
               (1.0, 6.0, 2.6, 3.0, 2.4, 4.0, 3.0, 4.0), size=10.5)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def plan_yaml(plan: PlanImport) -> bytes:
    """The plan in the programme's YAML format (``programme``), with the resources of each
    target and task and the national target each plan target contributes to."""
    from ruamel.yaml import YAML

    data = {"programme": plan.programme.model_dump(mode="json", exclude_defaults=True),
            "resources": {k: v.to_dict() for k, v in plan.resources.items()},
            "contributes_to": dict(plan.contributes),
            "version": plan.version, "state": plan.state}
    yaml = YAML()
    yaml.allow_unicode = True
    buf = io.BytesIO()
    yaml.dump(data, buf)
    return buf.getvalue()


MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml",
}


def plan_file(ctx: AppContext, actor: Actor, *, unit: str, year: int, fmt: str = "docx",
              version: int | None = None, number: int | None = None,
              issued_on: date | None = None, signer: str = "") -> tuple[str, str, bytes]:
    """The plan as a file for the CLI, the pages and the API: (name, media type, bytes).
    docx: the "Kế hoạch" to sign; xlsx: the workbook filled with the plan, to edit and
    upload again (the latest version; no plan yet: the template); yaml: the programme file."""
    from sodo.domain.problems import InputError
    from sodo.services.reports.plan import plan_template

    if fmt not in MEDIA_TYPES:
        raise InputError(f"format must be docx, xlsx or yaml, not '{fmt}'")
    base = f"ke-hoach-{unit}-{year}"
    if fmt == "xlsx":
        return f"{base}.xlsx", MEDIA_TYPES[fmt], plan_template(ctx, actor, year=year, unit=unit)
    plan = load_plan(ctx, actor, unit, year, version)
    if fmt == "yaml":
        return f"{base}-v{plan.version}.yaml", MEDIA_TYPES[fmt], plan_yaml(plan)
    content = plan_docx(ctx, actor, unit=unit, year=year, number=number, issued_on=issued_on,
                        signer=signer, plan=plan)
    return f"{base}-v{plan.version}.docx", MEDIA_TYPES[fmt], content

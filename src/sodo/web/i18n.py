"""Interface text in Vietnamese (default) and English.

Every string a page shows goes through :func:`t`; templates call it as ``t('key')``. A test
checks that every key a template uses exists here in both languages.
"""

from __future__ import annotations

from sodo.domain.assessment.targets import TargetStatus
from sodo.domain.assessment.tasks import ProgressStatus, TaskStatus

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# key: (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # chrome
    "app.name": ("sodo – Số đo chuyển đổi số", "sodo – measuring digital transformation"),
    "app.tagline": ("Lấy kết quả thực chất làm thước đo", "Governing by measured results"),
    "nav.skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
    "nav.overview": ("Tổng quan", "Overview"),
    "nav.targets": ("Mục tiêu", "Targets"),
    "nav.explorer": ("Chỉ số", "Indicators"),
    "nav.units": ("Đơn vị", "Units"),
    "nav.tasks": ("Nhiệm vụ", "Tasks"),
    "nav.reporting": ("Báo cáo", "Reporting"),
    "nav.admin": ("Quản trị", "Admin"),
    "nav.admin_users": ("Người dùng, phiên đăng nhập", "Users and sessions"),
    "nav.public": ("Dữ liệu mở", "Open data"),
    "nav.login": ("Đăng nhập", "Log in"),
    "nav.logout": ("Đăng xuất", "Log out"),
    "nav.menu": ("Trình đơn", "Menu"),
    "nav.language": ("Ngôn ngữ", "Language"),
    "nav.signed_in_as": ("Đang đăng nhập:", "Signed in as"),
    "footer.about": ("sodo là phần mềm nguồn mở phục vụ Chương trình chuyển đổi số quốc gia.",
                     "sodo is open-source software for the national digital-transformation "
                     "programme."),
    "footer.json": ("Dữ liệu trang này dạng JSON", "This page as JSON"),
    # common
    "common.value": ("Giá trị", "Value"),
    "common.unit": ("Đơn vị tính", "Unit"),
    "common.period": ("Kỳ", "Period"),
    "common.orgunit": ("Đơn vị", "Unit"),
    "common.indicator": ("Chỉ số", "Indicator"),
    "common.level": ("Cấp", "Level"),
    "common.rank": ("Hạng", "Rank"),
    "common.rank_change": ("Thay đổi hạng", "Rank change"),
    "common.change": ("Thay đổi so với kỳ trước", "Change since previous period"),
    "common.change_short": ("± kỳ trước", "± prev."),
    "common.rank_change_short": ("± hạng", "± rank"),
    "common.previous": ("Kỳ trước", "Previous period"),
    "common.national": ("Toàn quốc", "National"),
    "common.target": ("Mục tiêu", "Target"),
    "common.deadline": ("Thời hạn", "Deadline"),
    "common.status": ("Trạng thái", "Status"),
    "common.source": ("Nguồn", "Source"),
    "common.show": ("Xem", "Show"),
    "common.none": ("Không có", "None"),
    "common.no_data": ("Chưa có số liệu", "No data yet"),
    "common.count": ("Số lượng", "Count"),
    "common.all": ("Tất cả", "All"),
    "common.filter": ("Lọc", "Filter"),
    "common.chart_table": ("Bảng số liệu của biểu đồ", "Data table of the chart"),
    "common.synthetic_data": ("Dữ liệu mô phỏng để trình diễn, không phải số liệu chính thức.",
                              "Synthetic demonstration data, not official figures."),
    "common.download": ("Tải về", "Download"),
    "common.code": ("Mã", "Code"),
    "common.task": ("Nhiệm vụ", "Task"),
    "common.comparator": ("So sánh", "Comparison"),
    "common.target_value": ("Giá trị mục tiêu", "Target value"),
    "common.provisional": ("tạm tính", "provisional"),
    "reporting.cell": ("Ô", "Cell"),
    "reporting.problem": ("Lỗi", "Problem"),
    "reporting.overdue_alert": ("{n} báo cáo đã quá hạn nộp: hãy gửi ngay.",
                                "{n} report(s) past their due date: please send them now."),
    "reporting.overdue_days": ("Quá hạn {days} ngày", "{days} days overdue"),
    "reporting.submitted_at": ("Thời điểm gửi", "Sent at"),
    "reporting.version_n": ("lần {n}", "version {n}"),
    "common.provisional_column": ("Tạm tính", "Provisional"),
    "public.shown": ("Dòng {first}–{last} trong {total} dòng", "Rows {first}–{last} of {total}"),
    "public.page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "public.previous_page": ("‹ Trang trước", "‹ Previous page"),
    "public.next_page": ("Trang sau ›", "Next page ›"),
    "common.provisional_note": ("Số liệu tạm tính: kỳ chưa kết thúc hoặc chưa đủ số liệu các "
                                "tháng.", "Provisional: the period has not ended or not every "
                                "month has data."),
    "common.download_csv": ("CSV", "CSV"),
    "common.download_xlsx": ("Excel", "Excel"),
    "common.lead": ("Chủ trì", "Lead"),
    "common.method": ("Phương pháp", "Method"),
    "common.updated": ("Cập nhật", "Updated"),
    "common.origin": ("Nguồn gốc", "Origin"),
    "common.date": ("Ngày", "Date"),
    "common.province": ("Tỉnh, thành phố", "Province"),
    "common.ministry": ("Bộ, cơ quan", "Ministry"),
    "common.vs_national": ("So với toàn quốc", "vs national"),
    "common.vs_target": ("So với mục tiêu", "vs target"),
    "common.back_home": ("Về trang Tổng quan", "Back to the overview"),
    "origin.computed": ("Tính từ dữ liệu", "Computed"),
    "origin.reported": ("Báo cáo", "Reported"),
    "origin.seed": ("Văn bản", "From documents"),
    # statuses
    "period_type.year": ("Năm", "Years"),
    "period_type.half": ("6 tháng", "Half-years"),
    "period_type.quarter": ("Quý", "Quarters"),
    "period_type.month": ("Tháng", "Months"),
    "period_type.day": ("Ngày", "Days"),
    "period_type.stage": ("Giai đoạn", "Plan stages"),
    # overview
    "overview.title": ("Tổng quan", "Overview"),
    "overview.targets": ("Mục tiêu theo trạng thái", "Targets by status"),
    "overview.off_track": ("Mục tiêu cần chú ý", "Targets needing attention"),
    "overview.tasks": ("Nhiệm vụ quá hạn và sắp đến hạn", "Overdue and due-soon tasks"),
    "overview.lagging": ("Tỉnh, thành phố thấp nhất về Bộ chỉ số 766",
                         "Provinces lowest on the 766 service index"),
    "overview.freshness": ("Thời điểm cập nhật số liệu", "When the data were last updated"),
    "overview.not_reported": ("Đơn vị chưa báo cáo", "Units that have not reported"),
    "overview.all_reported": ("Tất cả đơn vị đã báo cáo.", "Every unit has reported."),
    "overview.latest_period": ("Kỳ mới nhất", "Latest period"),
    "overview.rows": ("Số giá trị", "Values"),
    "overview.last_run": ("Lần tính toán gần nhất", "Last computation"),
    "overview.records": ("bản ghi", "records"),
    "overview.reports": ("Báo cáo định kỳ", "Periodic reports"),
    "overview.units_reported": ("đơn vị đã gửi", "units have sent it"),
    # targets
    "targets.title": ("Mục tiêu của Chương trình", "Programme targets"),
    "targets.baseline": ("Giá trị cơ sở", "Baseline"),
    "targets.latest": ("Giá trị mới nhất", "Latest value"),
    "targets.projected": ("Dự báo đến thời hạn", "Projected at deadline"),
    "targets.milestones": ("Mốc trung gian", "Milestones"),
    "targets.components": ("Các thành phần tính toán", "Calculation components"),
    "targets.observed": ("Giá trị thực tế", "Observed"),
    "targets.required": ("Lộ trình cần đạt", "Required path"),
    "targets.projection": ("Dự báo", "Projection"),
    "targets.target_line": ("Mục tiêu", "Target"),
    "targets.method.linear": ("xu hướng tuyến tính (bình phương tối thiểu)",
                              "linear trend (least squares)"),
    "targets.method.cagr": ("tỷ số CAGR (phương pháp SDG của Liên Hợp Quốc)",
                            "CAGR ratio (UN SDG method)"),
    "targets.method.achieved": ("đã đạt mục tiêu", "target already met"),
    "targets.method.value at deadline": ("giá trị tại thời hạn", "value at the deadline"),
    "targets.method.none": ("chưa đủ số liệu để dự báo", "too little data to project"),
    "targets.formula": ("Công thức và kết quả", "Formula and result"),
    "targets.notes": ("Ghi chú", "Notes"),
    "targets.series_source": ("Chuỗi số liệu", "Series used"),
    "targets.progress_share": ("Mức độ hoàn thành so với yêu cầu", "Progress against what is required"),
    "targets.time_share": ("Tỷ lệ thời gian đã trôi qua", "Share of time elapsed"),
    "targets.slope": ("Tốc độ thay đổi mỗi năm", "Change per year"),
    "targets.cagr_ratio": ("Tỷ số CAGR (SDG)", "CAGR ratio (SDG)"),
    "targets.points": ("Số điểm quan sát", "Observed points"),
    "targets.comparator": ("Phép so sánh", "Comparator"),
    "targets.summary": ("Tóm tắt", "Summary"),
    "targets.not_found": ("Không có mục tiêu mã «{code}».", "There is no target '{code}'."),
    # explorer
    "explorer.title": ("Khám phá chỉ số", "Indicator explorer"),
    "explorer.pick": ("Chọn chỉ số, kỳ và cấp", "Pick indicator, period and level"),
    "explorer.map": ("Bản đồ 34 tỉnh, thành phố", "Map of the 34 provinces"),
    "explorer.map_hint": ("Bấm vào một tỉnh để mở trang của tỉnh đó.",
                          "Click a province to open its page."),
    "explorer.ranking": ("Xếp hạng", "Ranking"),
    "explorer.trend": ("Diễn biến theo thời gian", "Trend over time"),
    "explorer.attribution": ("Ranh giới hành chính: dựa trên bộ dữ liệu "
                             "vietnamese-provinces-database của Thang Le Quoc (giấy phép MIT), "
                             "nguồn bản đồ sapnhap.bando.com.vn.",
                             "Boundaries: derived from the vietnamese-provinces-database "
                             "dataset by Thang Le Quoc (MIT License), from the map at "
                             "sapnhap.bando.com.vn."),
    "explorer.no_indicator": ("Chưa có chỉ số nào có số liệu.", "No indicator has values yet."),
    "explorer.unknown_indicator": ("Không có chỉ số mã «{code}».", "There is no indicator '{code}'."),
    # units
    "unit.title": ("Đơn vị", "Unit"),
    "unit.scorecard": ("Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg)",
                       "Service index for citizens and businesses (Decision 766/QĐ-TTg)"),
    "unit.key_indicators": ("Các chỉ số chính", "Key indicators"),
    "unit.tasks": ("Nhiệm vụ của đơn vị", "Tasks of this unit"),
    "unit.reporting": ("Tình hình báo cáo", "Reporting status"),
    "unit.no_reporting": ("Chưa có biểu mẫu báo cáo nào cho đơn vị này.",
                          "No report form is assigned to this unit yet."),
    "unit.not_found": ("Không có đơn vị mã «{code}».", "There is no unit '{code}'."),
    "unit.index_total": ("Tổng điểm", "Total score"),
    "unit.scorecard_short": ("Bộ chỉ số 766", "766 index"),
    "unit.group": ("Nhóm chỉ số", "Group"),
    "unit.points": ("điểm", "points"),
    "unit.earned": ("Điểm đạt", "Points earned"),
    "unit.computable": ("Điểm tính được", "Points computable"),
    "unit.group_max": ("Điểm tối đa theo quy định", "Maximum set by the rules"),
    "unit.total_row": ("Cộng", "Total"),
    "unit.scaling": ("Đơn vị đạt {earned} trên {computable} điểm tính được từ dữ liệu hồ sơ và "
                     "phản ánh, kiến nghị; điểm tổng quy về thang 100: {earned} / {computable} "
                     "× 100 = {total}. {missing} trong {maximum} điểm của Bộ chỉ số lấy từ danh "
                     "mục thủ tục hoặc không áp dụng, nên không được tính.",
                     "The unit earned {earned} of the {computable} points that dossier and "
                     "feedback records can give; the total is scaled to 100: {earned} / "
                     "{computable} × 100 = {total}. {missing} of the index's {maximum} points "
                     "come from the procedure catalogue or do not apply, so they are not "
                     "counted."),
    "unit.list": ("Danh sách đơn vị", "List of units"),
    "unit.search": ("Tìm đơn vị", "Find a unit"),
    "svc766_total": ("Tổng điểm", "Total"),
    "svc766_g1": ("Công khai, minh bạch", "Transparency"),
    "svc766_g2": ("Tiến độ, kết quả giải quyết", "Timeliness"),
    "svc766_g3": ("Cung cấp dịch vụ trực tuyến", "Online service"),
    "svc766_g4": ("Số hóa hồ sơ", "Digitisation"),
    "svc766_g5": ("Mức độ hài lòng", "Satisfaction"),
    # tasks
    "tasks.title": ("Bảng nhiệm vụ", "Task board"),
    "tasks.by_status": ("Theo trạng thái", "By status"),
    "tasks.by_lead": ("Theo cơ quan chủ trì", "By lead agency"),
    "tasks.filter_source": ("Văn bản nguồn", "Source document"),
    "tasks.filter_lead": ("Cơ quan chủ trì", "Lead agency"),
    "tasks.six": ("Nguyên tắc «6 rõ»", "The six \u201cclears\u201d (6 rõ)"),
    "tasks.ro_nguoi": ("Rõ người", "Clear who"),
    "tasks.ro_viec": ("Rõ việc", "Clear what"),
    "tasks.ro_thoi_gian": ("Rõ thời gian", "Clear when"),
    "tasks.ro_trach_nhiem": ("Rõ trách nhiệm", "Clear responsibility"),
    "tasks.ro_tham_quyen": ("Rõ thẩm quyền", "Clear authority"),
    "tasks.ro_ket_qua": ("Rõ kết quả, sản phẩm", "Clear result"),
    "tasks.partners": ("Phối hợp", "Partners"),
    "tasks.history": ("Lịch sử cập nhật", "Update history"),
    "tasks.no_history": ("Chưa có cập nhật tiến độ.", "No progress update yet."),
    "tasks.evidence": ("Minh chứng", "Evidence"),
    "tasks.report_progress": ("Cập nhật tiến độ", "Report progress"),
    "tasks.percent": ("Tỷ lệ hoàn thành (%)", "Percent done (%)"),
    "tasks.note": ("Nội dung cập nhật", "What was done"),
    "tasks.evidence_url": ("Đường dẫn minh chứng", "Evidence link"),
    "tasks.evidence_file": ("Tệp minh chứng", "Evidence file"),
    "tasks.progress_saved": ("Đã cập nhật tiến độ.", "Progress recorded."),
    "tasks.not_found": ("Không có nhiệm vụ mã «{code}».", "There is no task '{code}'."),
    "tasks.empty": ("Không có nhiệm vụ nào.", "No tasks."),
    "tasks.missing": ("(chưa rõ)", "(not stated)"),
    "tasks.no_lead_named": ("Văn bản không nêu cơ quan chủ trì", "The document names no lead "
                            "agency"),
    "tasks.progress_label": ("Tiến độ", "Progress"),
    "tasks.collective_lead": ("Các bộ, ngành, địa phương (không nêu một cơ quan chủ trì)",
                              "Ministries, sectors and localities (no single lead named)"),
    "tasks.distinct_total": ("Tổng số nhiệm vụ (mỗi nhiệm vụ tính một lần)",
                             "Tasks in all (each counted once)"),
    "tasks.shared_leads_note": ("Nhiệm vụ có nhiều cơ quan chủ trì được tính cho từng cơ quan, "
                                "nên tổng các dòng ({rows}) lớn hơn số nhiệm vụ ({tasks}).",
                                "A task with several lead agencies counts for each of them, so "
                                "the rows add up to {rows} for {tasks} tasks."),
    # login
    "login.title": ("Đăng nhập", "Log in"),
    "login.username": ("Tên đăng nhập", "Username"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Log in"),
    "login.failed": ("Tên đăng nhập hoặc mật khẩu không đúng.",
                     "The username or password is wrong."),
    "login.rate_limited": ("Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút.",
                           "Too many failed logins; try again in {minutes} minutes."),
    "login.logged_out": ("Bạn đã đăng xuất.", "You have logged out."),
    # reporting
    "reporting.title": ("Báo cáo định kỳ", "Periodic reporting"),
    "reporting.form": ("Biểu mẫu", "Form"),
    "reporting.open_forms": ("Biểu mẫu đang mở cho đơn vị của bạn", "Open forms for your unit"),
    "reporting.to_approve": ("Báo cáo chờ phê duyệt", "Reports awaiting approval"),
    "reporting.no_forms": ("Không có biểu mẫu nào đang mở.", "No form is open."),
    "reporting.nothing_to_approve": ("Không có báo cáo nào chờ phê duyệt.",
                                     "No report awaits approval."),
    "reporting.due": ("Hạn nộp", "Due"),
    "reporting.open": ("Mở biểu mẫu", "Open the form"),
    "reporting.save": ("Lưu nháp", "Save draft"),
    "reporting.submit": ("Gửi báo cáo", "Submit the report"),
    "reporting.approve": ("Phê duyệt", "Approve"),
    "reporting.return": ("Trả lại", "Return"),
    "reporting.return_comment": ("Lý do trả lại", "Why it is returned"),
    "reporting.excel_download": ("Tải mẫu Excel", "Download the Excel template"),
    "reporting.excel_upload": ("Nộp tệp Excel đã điền", "Upload the filled-in Excel file"),
    "reporting.excel_file": ("Tệp Excel (.xlsx)", "Excel file (.xlsx)"),
    "reporting.upload": ("Tải lên", "Upload"),
    "reporting.errors": ("Báo cáo có {count} lỗi; vui lòng sửa các ô được đánh dấu.",
                         "The report has {count} error(s); please fix the marked fields."),
    "reporting.saved": ("Đã lưu nháp.", "Draft saved."),
    "reporting.submitted": ("Đã gửi báo cáo để phê duyệt.", "Report submitted for approval."),
    "reporting.approved": ("Đã phê duyệt báo cáo; số liệu đã được công bố.",
                           "Report approved; its values are published."),
    "reporting.returned": ("Đã trả lại báo cáo.", "Report returned."),
    "reporting.state": ("Tình trạng", "State"),
    "reporting.version": ("Phiên bản", "Version"),
    "reporting.late": ("Nộp muộn", "Late"),
    "reporting.comment": ("Ý kiến", "Comment"),
    "reporting.not_number": ("«{value}» không phải là số.", "'{value}' is not a number."),
    "reporting.whole_number": ("Phải là số nguyên.", "Must be a whole number."),
    "reporting.at_least": ("Phải lớn hơn hoặc bằng {limit}.", "Must be at least {limit}."),
    "reporting.at_most": ("Phải nhỏ hơn hoặc bằng {limit}.", "Must be at most {limit}."),
    "reporting.required": ("Bắt buộc nhập.", "Required."),
    "reporting.submitted_by": ("Người gửi", "Submitted by"),
    "reporting.readonly": ("Báo cáo đang chờ phê duyệt hoặc đã được duyệt, không sửa được.",
                           "The report awaits approval or is approved; it cannot be changed."),
    "state.draft": ("Nháp", "Draft"),
    "state.submitted": ("Chờ phê duyệt", "Submitted"),
    "state.returned": ("Bị trả lại", "Returned"),
    "state.approved": ("Đã phê duyệt", "Approved"),
    "state.open": ("Chưa nhập", "Not started"),
    "state.unpublished": ("Chưa công bố", "Not yet published"),
    # admin
    "admin.title": ("Quản trị", "Administration"),
    "admin.users": ("Người dùng", "Users"),
    "admin.tokens": ("Khóa API", "API tokens"),
    "admin.forms": ("Biểu mẫu và kỳ báo cáo", "Forms and periods"),
    "admin.programme": ("Nhập Chương trình", "Programme import"),
    "admin.audit": ("Nhật ký thao tác", "Audit log"),
    "admin.role": ("Vai trò", "Role"),
    "admin.active": ("Hoạt động", "Active"),
    "admin.add_user": ("Thêm người dùng", "Add a user"),
    "admin.display_name": ("Họ tên", "Full name"),
    "admin.email": ("Thư điện tử", "E-mail"),
    "admin.user_added": ("Đã thêm người dùng «{name}».", "User '{name}' added."),
    "admin.new_token": ("Tạo khóa API", "Create an API token"),
    "admin.token_name": ("Tên khóa", "Token name"),
    "admin.token_created": ("Khóa mới (chỉ hiện một lần):", "New token (shown once only):"),
    "admin.revoke": ("Thu hồi", "Revoke"),
    "admin.import": ("Nhập lại Chương trình từ tệp", "Re-import the programme from its files"),
    "admin.imported": ("Đã nhập Chương trình: {summary}", "Programme imported: {summary}"),
    "admin.when": ("Thời điểm", "When"),
    "admin.who": ("Người thực hiện", "Who"),
    "admin.action": ("Thao tác", "Action"),
    "admin.object": ("Đối tượng", "Object"),
    "admin.yes": ("Có", "Yes"),
    "admin.no": ("Không", "No"),
    "admin.scopes": ("Phạm vi", "Scopes"),
    "admin.expires": ("Hết hạn", "Expires"),
    # public
    "public.title": ("Dữ liệu mở", "Open data"),
    "public.intro": ("Các số liệu đã được phê duyệt hoặc tính toán từ dữ liệu, công bố công khai.",
                     "Approved and computed values, published for everyone."),
    "public.download_csv": ("Tải CSV", "Download CSV"),
    # errors
    "error.title": ("Có lỗi", "Something went wrong"),
    "error.not_found": ("Không tìm thấy trang này.", "This page does not exist."),
    "error.bad_request": ("Yêu cầu không hợp lệ.", "The request is not valid."),
    "error.forbidden": ("Bạn không có quyền thực hiện thao tác này.",
                        "You are not allowed to do this."),
    "error.login_required": ("Vui lòng đăng nhập để tiếp tục.", "Please log in to continue."),
    "error.server": ("Máy chủ gặp sự cố; sự cố đã được ghi lại.",
                     "The server had a problem; it has been logged."),
    "error.bad_period": ("Kỳ «{value}» không hợp lệ.", "Period '{value}' is not valid."),
    "error.bad_level": ("Cấp «{value}» không hợp lệ.", "Level '{value}' is not valid."),
    "explorer.mean_of_units": ("Trung bình các đơn vị", "Mean of units"),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add the messages of one area of the interface (each page module keeps its own)."""
    clash = sorted(k for k in messages if k in MESSAGES and MESSAGES[k] != messages[k])
    if clash:
        raise ValueError(f"messages defined twice with different texts: {', '.join(clash)}")
    MESSAGES.update(messages)


# Labels the domain owns (statuses of targets, tasks and progress): one text per status.
_DOMAIN_LABELS = {"status": TargetStatus, "task": TaskStatus, "progress": ProgressStatus}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text of ``key`` in ``lang``; unknown keys show as themselves so a gap is visible."""
    pair = MESSAGES.get(key)
    if pair is None:
        prefix, _, name = key.partition(".")
        enum = _DOMAIN_LABELS.get(prefix)
        if enum is not None and name in enum.__members__.values():
            return enum(name).label(lang)
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def normalise_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


# the programme's vocabulary lives in its own module; its readers import it from here
from sodo.web.vocabulary import (  # noqa: E402
    AREAS_EN,
    PHRASES_EN,
    UNITS_EN,
    area_text,
    phrase_text,
    unit_text,
)

__all__ = ["AREAS_EN", "PHRASES_EN", "UNITS_EN", "area_text", "phrase_text", "unit_text"]

"""What every error says, in Vietnamese and in English: one catalogue for the whole platform.

Services and the gateway raise an error with a message key from ``MESSAGES`` and the values
its text names (``NotFound("plan.not_found", {"plan_id": …})``); the gateway renders the
text in the language the caller asked for (gateway/language.py): Vietnamese unless English is
preferred. Every error code also has an entry of its own, the text shown when a message was
raised as free text in the other language. ``FIELD_MESSAGES`` holds what validation says of
one field (marshmallow's defaults and the schemas' own), found again by its text in either
language, since marshmallow builds those strings itself.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

VI, EN = "vi", "en"
LANGUAGES = (VI, EN)
DEFAULT_LANGUAGE = VI
VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưáàảãạấầẩẫậắằẳẵặếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵéèẻẽẹóòỏõọ"
    "ĂÂĐÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÍÌỈĨỊÝỲỶỸỴÉÈẺẼẸÓÒỎÕỌ")

# key: (Vietnamese, English). A key without a dot is an error code.
MESSAGES: dict[str, tuple[str, str]] = {
    # -- one per error code ------------------------------------------------------------
    "error": ("Yêu cầu không thực hiện được.", "The request could not be carried out."),
    "validation_failed": ("Yêu cầu có giá trị không hợp lệ; xem chi tiết (details).",
                          "The request holds a value that is not valid; see the details."),
    "date_in_future": ("Ngày của bước này ở sau hôm nay (giờ Việt Nam); chỉ ghi những việc đã "
                       "xảy ra.", "The step is dated after today (Vietnam time); only what "
                       "has happened is recorded."),
    "date_before_previous_step": ("Ngày của bước này ở trước ngày của bước liền trước.",
                                  "The step is dated before the step it follows."),
    "unauthorised": ("Cần đăng nhập: yêu cầu này cần mã truy cập hợp lệ.",
                     "Sign-in needed: this request needs a valid token."),
    "forbidden": ("Bạn không có quyền thực hiện việc này.",
                  "You are not allowed to do this."),
    "not_found": ("Không tìm thấy dữ liệu được yêu cầu.", "What was asked for was not found."),
    "conflict": ("Yêu cầu mâu thuẫn với dữ liệu hiện có.",
                 "The request conflicts with the data as it stands."),
    "year_paused": ("Năm đánh giá này đã tạm dừng: không mở hồ sơ đánh giá.",
                    "The evaluation of this year was paused: no assessment is opened."),
    "report_already_sent": ("Báo cáo này đã được ghi là đã gửi.",
                            "This report is already recorded as sent."),
    "illegal_transition": ("Bước này không thực hiện được ở trạng thái hiện tại.",
                           "This step is not possible in the current state."),
    "version_conflict": ("Dữ liệu đã thay đổi sau khi bạn đọc; không có gì được ghi. Hãy đọc "
                         "lại rồi thử lại.", "The data changed after you read it; nothing "
                         "was written. Read it again and retry."),
    "duplicate_event": ("Sự kiện đã được lưu trước đó; không có gì được ghi.",
                        "The events were already stored; nothing was written."),
    "unknown_schema_version": ("Dữ liệu được ghi bằng phiên bản mới hơn của hệ thống.",
                               "The data was written by a newer version of the platform."),
    "invalid_json": ("Nội dung yêu cầu không phải JSON hợp lệ.",
                     "The request body is not valid JSON."),
    "method_not_allowed": ("Phương thức HTTP này không dùng được với địa chỉ này.",
                           "This HTTP method is not allowed on this address."),
    "payload_too_large": ("Nội dung yêu cầu quá lớn.", "The request body is too large."),
    "unsupported_media_type": ("Kiểu nội dung hoặc loại tệp không được nhận.",
                               "The content type or file type is not accepted."),
    "service_unavailable": ("Dịch vụ tạm thời không trả lời; xin thử lại sau.",
                            "The service is not answering for now; try again later."),
    "internal_error": ("Hệ thống gặp lỗi; lỗi đã được ghi lại.",
                       "Something went wrong on our side; it has been logged."),
    "rate_limited": ("Quá nhiều yêu cầu; xin thử lại sau.", "Too many requests; try again later."),
    "too_many_attempts": ("Quá nhiều lần đăng nhập sai; tài khoản tạm khóa, xin thử lại sau.",
                          "Too many failed sign-ins; the account is locked for a while."),
    "campaign_closed": ("Đợt khảo sát đã kết thúc.", "The survey campaign is closed."),
    "campaign_not_open": ("Đợt khảo sát chưa bắt đầu.", "The survey campaign is not open yet."),
    "response_conflict": ("Mã phiếu đã được dùng cho một phiếu có nội dung khác.",
                          "The response id is taken by a response with different content."),
    "code_used": ("Mã khảo sát này đã được dùng.", "This survey code has already been used."),
    "code_invalid": ("Mã khảo sát không hợp lệ.", "The survey code is not valid."),
    "kiosk_revoked": ("Thiết bị khảo sát đã bị thu hồi.", "The survey kiosk has been revoked."),
    "evidence_already_attached": ("Tệp minh chứng này đã được đính kèm.",
                                  "This evidence file is already attached."),
    "invalid_idempotency_key": ("Tiêu đề Idempotency-Key không hợp lệ.",
                                "The Idempotency-Key header is not valid."),
    "idempotency_key_reused": ("Khóa Idempotency-Key đã được dùng cho một yêu cầu khác; yêu "
                               "cầu mới cần khóa mới.", "The Idempotency-Key was used for "
                               "another request; a new request needs a new key."),
    "idempotency_key_in_progress": ("Yêu cầu có cùng khóa Idempotency-Key đang được xử lý; "
                                    "xin thử lại sau giây lát.", "A request with the same "
                                    "Idempotency-Key is being carried out; retry in a moment."),
    "idempotency_answer_unreadable": ("Không đọc được câu trả lời đã lưu của khóa "
                                      "Idempotency-Key này; hãy gửi yêu cầu với khóa mới.",
                                      "The stored answer of this Idempotency-Key cannot be "
                                      "read; send the request with a new key."),
    "csrf_refused": ("Biểu mẫu đã hết hiệu lực hoặc không do trang này tạo ra.",
                     "The form has expired or was not made by this page."),
    "signing_refused": ("Chuỗi sự kiện không được ký tiếp vì không khớp với phần đã ký.",
                        "The chain of events is not signed further: it does not match what "
                        "was signed."),
    "chain_verification_failed": ("Không xác minh được chuỗi sự kiện đã ký.",
                                  "The signed chain of events could not be verified."),
    "unverified_event": ("Không xác minh được sự kiện với nhật ký của nguồn.",
                         "The event could not be confirmed against its source's log."),
    "stored_not_as_received": ("Tệp lưu trữ khác với tệp đã nhận.",
                               "The stored file differs from the file received."),
    "unsupported_file_type": ("Loại tệp không được nhận.", "The file type is not accepted."),
    "unreadable_file": ("Không đọc được tệp.", "The file cannot be read."),
    "stored_file_missing": ("Tệp không còn trong kho lưu trữ.",
                            "The file is no longer in storage."),
    "stored_file_corrupted": ("Tệp trong kho lưu trữ đã bị thay đổi.",
                              "The file in storage has been altered."),
    "storage_unavailable": ("Kho lưu trữ tệp tạm thời không trả lời; xin thử lại sau.",
                            "File storage is not answering for now; try again later."),

    # -- the gateway ----------------------------------------------------------------------
    "request.invalid": ("Yêu cầu không hợp lệ; xem chi tiết (details) của từng trường.",
                        "The request is not valid; see details for each field."),
    "request.body_empty": ("Nội dung yêu cầu trống; địa chỉ này cần một đối tượng JSON.",
                           "The request body is empty; this endpoint expects a JSON object."),
    "request.body_too_large": ("Nội dung yêu cầu lớn hơn {max_bytes} byte.",
                               "The request body is larger than {max_bytes} bytes."),
    "request.not_utf8": ("Nội dung yêu cầu không phải JSON mã hóa UTF-8.",
                         "The request body is not UTF-8 encoded JSON."),
    "request.not_json": ("Nội dung yêu cầu không phải JSON hợp lệ: {reason} (dòng {line}, cột "
                         "{column}).", "The request body is not valid JSON: {reason} (line "
                         "{line}, column {column})."),
    "request.too_deep": ("Dữ liệu JSON lồng nhau quá sâu: tối đa {max_depth} cấp đối tượng và "
                         "mảng.", "The JSON nests too deep: at most {max_depth} levels of "
                         "objects and arrays."),
    "request.duplicate_key": ('Khóa "{key}" có hai lần trong cùng một đối tượng JSON; mỗi khóa '
                              "chỉ được có một lần.", 'The key "{key}" appears twice in one '
                              "JSON object; each key may appear once."),
    "request.number_out_of_range": (
        "Số {number} nằm ngoài phạm vi cho phép: số nguyên từ −9.007.199.254.740.991 đến "
        "9.007.199.254.740.991, số thập phân hữu hạn.",
        "The number {number} is out of range: integers from -9,007,199,254,740,991 to "
        "9,007,199,254,740,991, finite decimals."),
    "request.not_a_number": ("JSON không có NaN hay Infinity; hãy gửi một số hữu hạn.",
                             "JSON has no NaN or Infinity; send a finite number."),
    "route.not_found": ("Không có địa chỉ {path}; xem /docs để biết các địa chỉ của API.",
                        "There is no route {path}; see /docs for the API."),
    "route.method_not_allowed": ("Không dùng được {method} với {path}; hãy dùng {allowed}.",
                                 "{method} is not allowed on {path}; use {allowed}."),
    "internal.logged": ("Hệ thống gặp lỗi; lỗi đã được ghi lại. Khi báo lỗi, xin nêu mã tra "
                        "cứu {correlation_id}.", "Something went wrong on our side; it has "
                        "been logged. Quote correlation id {correlation_id} when you report it."),
    "service.timeout": ("Dịch vụ {service} không trả lời trong {timeout} giây; xin thử lại sau.",
                        "The {service} service did not answer within {timeout} s; try again "
                        "later."),
    "service.not_running": ("Dịch vụ {service} không chạy; xin thử lại sau.",
                            "The {service} service is not running; try again later."),
    "service.broker_unreachable": ("Không kết nối được với hệ thống chuyển tin nhắn; xin thử "
                                   "lại sau.", "The message broker cannot be reached; try "
                                   "again later."),
    "service.busy": ("Dịch vụ {service} đang bận: đã có {limit} yêu cầu chờ dịch vụ này. Xin "
                     "thử lại sau {retry_after} giây.", "The {service} service is busy: "
                     "{limit} requests already wait on it. Try again in {retry_after} s."),
    "service.circuit_open": ("Dịch vụ {service} liên tục không trả lời nên tạm thời không được "
                             "gọi. Xin thử lại sau {retry_after} giây.", "The {service} "
                             "service failed repeatedly and is not called for now. Try again "
                             "in {retry_after} s."),
    "survey.response_not_sent": ("Phiếu khảo sát chưa được gửi tới dịch vụ khảo sát; hãy gửi "
                                 "lại.", "The response was not sent to the survey service; "
                                 "send it again."),
    "auth.bearer_needed": ("Địa chỉ này cần mã truy cập: hãy gửi tiêu đề 'Authorization: "
                           "Bearer <mã>'.", "This endpoint needs a bearer token: send "
                           "'Authorization: Bearer <token>'."),
    "auth.bearer_malformed": ("Tiêu đề Authorization phải có dạng 'Bearer <mã>'.",
                              "The Authorization header must be 'Bearer <token>'."),
    "auth.token_expired": ("Mã truy cập đã hết hạn; hãy xin mã mới.",
                           "The token has expired; ask for a new one."),
    "auth.token_invalid": ("Mã truy cập không hợp lệ.", "The token is not valid."),
    "auth.token_role_unknown": ("Mã truy cập ghi một vai trò không có trong hệ thống.",
                                "The token names an unknown role."),
    "auth.token_jurisdiction_malformed": ("Địa bàn ghi trong mã truy cập không đúng dạng.",
                                          "The token's jurisdiction is malformed."),
    "auth.token_agency_malformed": ("Cơ quan ghi trong mã truy cập không đúng dạng.",
                                    "The token's agency is malformed."),
    "kiosk.token_needed": ("Địa chỉ này cần mã thiết bị khảo sát: hãy gửi tiêu đề "
                           "'Authorization: Kiosk <mã>'.", "This endpoint needs the kiosk's "
                           "device token: send 'Authorization: Kiosk <token>'."),
    "kiosk.header_malformed": ("Tiêu đề Authorization phải có dạng 'Kiosk <mã>' với mã được cấp "
                               "khi đăng ký thiết bị.", "The Authorization header must be "
                               "'Kiosk <token>' with the token given when the kiosk was "
                               "registered."),
    "place.province_not_found": ("Không có tỉnh mã {province_code}.",
                                 "There is no province with code {province_code}."),
    "place.commune_not_found": ("Không có xã mã {commune_code}.",
                                "There is no commune with code {commune_code}."),
    "place.commune_not_found_in_year": ("Năm {year} không có xã mã {commune_code}.",
                                        "There is no commune with code {commune_code} in "
                                        "{year}."),
    "place.unit_not_found_in_year": ("Năm {year} không có tỉnh hoặc huyện mã {unit_code}.",
                                     "No province or district has the code {unit_code} in "
                                     "{year}."),
    "place.province_not_found_in_year": ("Năm {year} không có tỉnh mã {province_code}.",
                                              "There is no province with code "
                                              "{province_code} in {year}."),
    "place.district_not_found": ("Năm {year} tỉnh mã {province_code} không có huyện mã "
                                 "{district_code}.", "There is no district {district_code} in "
                                 "province {province_code} in {year}."),

    "idempotency.key_malformed": (
        "Tiêu đề {header} không hợp lệ: khóa phải gồm 1 đến {max_length} ký tự ASCII in được, "
        "không có dấu cách (ví dụ một UUID). Bỏ tiêu đề này nếu không cần gửi lại yêu cầu.",
        "The {header} header is not valid: a key is 1 to {max_length} printable ASCII "
        "characters without spaces (a UUID, say). Leave the header out if the request need "
        "not be sent again."),
    "idempotency.context_invalid": ("Thông tin khóa idempotency của yêu cầu không hợp lệ.",
                                    "The request's idempotency information is not valid."),
    "idempotency.reused": (
        "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác (khác thao tác, địa chỉ "
        "hoặc nội dung). Hãy dùng một khóa mới cho mỗi yêu cầu mới.",
        "This Idempotency-Key was used for another request (another operation, address or "
        "body). Use a new key for each new request."),
    "idempotency.in_progress": (
        "Một yêu cầu với cùng khóa Idempotency-Key đang được xử lý. Hãy thử lại sau giây lát "
        "với cùng khóa.", "A request with the same Idempotency-Key is being carried out. "
        "Retry in a moment with the same key."),
    "idempotency.answer_unreadable": (
        "Yêu cầu với khóa Idempotency-Key này đã được thực hiện, nhưng không đọc lại được câu "
        "trả lời đã lưu (khóa bí mật của cổng đã đổi). Hãy tải lại dữ liệu để xem kết quả.",
        "The request with this Idempotency-Key was carried out, but its stored answer cannot "
        "be read back (the gateway's secret changed). Reload the data to see the result."),
    "upload.not_multipart": ("Hãy gửi tệp bằng multipart/form-data, tệp trong trường “file” "
                             "(như một biểu mẫu có ô chọn tệp).", "Send the file as "
                             "multipart/form-data, in the field “file” (as a form with a file "
                             "input does)."),
    "upload.unreadable": ("Nội dung multipart/form-data không đọc được (thiếu ranh giới, bị cắt "
                          "giữa chừng hoặc sai cấu trúc); hãy gửi lại tệp.", "The "
                          "multipart/form-data body cannot be read (no boundary, cut short or "
                          "malformed); send the file again."),
    "upload.empty": ("Tệp rỗng (0 byte): hãy chọn đúng tệp cần tải lên.",
                     "The file is empty (0 bytes): choose the file to upload."),
    "upload.stored_not_as_received": ("Tệp lưu vào kho không giống tệp đã nhận; hãy tải lên lại.",
                                      "The file stored differs from the file received; upload "
                                      "it again."),

    # -- plans ---------------------------------------------------------------------------
    "plan.not_found": ("Không có kế hoạch {plan_id}.", "There is no plan {plan_id}."),
    "plan.jurisdiction_needed": ("Kế hoạch thuộc một tỉnh (và có thể một huyện).",
                                 "A plan belongs to a province (and maybe a district)."),
    "plan.summary_kind": ("Loại báo cáo phải là một trong: {kinds}.",
                          "The summary kind must be one of {kinds}."),
    "plan.task_not_found": ("Kế hoạch không có nhiệm vụ {task}.", "The plan has no task {task}."),
    "plan.not_editable": ("Kế hoạch đang ở trạng thái {status} nên không sửa được.",
                          "A plan that is {status} cannot be edited."),
    "plan.not_reviewable": ("Kế hoạch đang ở trạng thái {status} nên không rà soát được.",
                            "A plan that is {status} cannot be reviewed."),
    "plan.not_issuable": ("Kế hoạch đang ở trạng thái {status} nên chưa ban hành được (phải rà "
                          "soát trước).", "A plan that is {status} cannot be issued (it must "
                          "be reviewed first)."),
    "plan.not_reportable": ("Kế hoạch đang ở trạng thái {status} nên chưa báo cáo tiến độ được.",
                            "A plan that is {status} cannot be reported on."),
    "plan.not_linkable": ("Kế hoạch đang ở trạng thái {status} nên không liên kết được.",
                          "A plan that is {status} cannot be linked."),
    "plan.exists": ("Kế hoạch {plan_id} đã có.", "Plan {plan_id} already exists."),
    "plan.no_task_read": ("Văn bản không có nhiệm vụ nào đọc được; không có gì được nhập.",
                          "The document has no task that could be read; nothing was imported."),
    "plan.unknown_fields": ("Kế hoạch không có các trường: {names}.",
                            "Unknown plan fields: {names}."),
    "plan.task_linked": ("Nhiệm vụ {task} đang liên kết với một đợt đánh giá; hãy bỏ liên kết "
                         "trước.", "Task {task} is linked to an assessment; unlink it first."),
    "plan.task_number_taken": ("Nhiệm vụ mới cần một số thứ tự chưa dùng trong kế hoạch.",
                               "A new task needs a number not used in the plan."),
    "plan.nothing_to_change": ("Không có gì để thay đổi.", "Nothing to change."),
    "plan.unknown_task_fields": ("Nhiệm vụ không có các trường: {names}.",
                                 "Unknown task fields: {names}."),
    "plan.agency_not_found": ("Tỉnh này không có cơ quan {agency}.",
                              "There is no agency {agency} in this province."),
    "plan.number_needed": ("Kế hoạch ban hành cần có số (Số ...).",
                           "An issued plan needs its number (No. ...)."),
    "plan.task_follows_assessment": ("Nhiệm vụ {task} theo kết quả đánh giá; tiến độ của nhiệm "
                                     "vụ không báo cáo thủ công.", "Task {task} follows the "
                                     "assessment; its progress is not reported by hand."),
    "plan.agency_not_lead": ("Cơ quan {agency} không chủ trì nhiệm vụ {task}.",
                             "Agency {agency} does not lead task {task}."),
    "plan.task_status": ("Trạng thái phải là một trong: {statuses}.",
                         "The status must be one of {statuses}."),
    "plan.percent": ("Tỷ lệ hoàn thành là số nguyên từ 0 đến 100.",
                     "The percentage must be a whole number from 0 to 100."),
    "plan.completed_at_100": ("Nhiệm vụ hoàn thành khi và chỉ khi đạt 100%.",
                              "A task is completed exactly when it is at 100%."),
    "plan.evidence_shape": ("Minh chứng cần tên tệp và mã SHA-256 (64 chữ số thập lục phân).",
                            "Evidence needs a file name and its SHA-256 (64 hex digits)."),
    "plan.measure": ("Chỉ số theo dõi phải là một trong: {measures}.",
                     "The measure must be one of {measures}."),
    "plan.no_districts_from_2025": ("Cấp huyện đã bỏ từ ngày 01/7/2025: từ năm 2025 hãy liên kết "
                                    "với đợt đánh giá của tỉnh.", "Districts were abolished on "
                                    "1 July 2025: link a province's assessment for years from "
                                    "2025."),
    "plan.own_province_only": ("Nhiệm vụ của kế hoạch chỉ theo dõi được đợt đánh giá của chính "
                               "tỉnh mình.", "A plan's task can only follow its own province's "
                               "assessment."),
    "plan.task_not_linked": ("Nhiệm vụ {task} chưa được liên kết.", "Task {task} is not linked."),

    # -- surveys -------------------------------------------------------------------------
    "survey.codes_per_call": ("Mỗi lần cấp từ 1 đến {max} mã.", "Issue 1-{max} codes at a time."),
    "survey.closed_no_codes": ("Đợt khảo sát {campaign_id} đã kết thúc; không cấp mã cho đợt này.",
                               "Campaign {campaign_id} is closed; no codes are issued for it."),
    "survey.no_campaign_today": ("Hôm nay xã {commune_code} không có đợt khảo sát nào đang nhận "
                                 "phiếu.", "Commune {commune_code} has no survey campaign "
                                 "accepting responses today."),
    "survey.batch_size": ("Mỗi lô gồm từ 1 đến {max} phiếu.", "A batch holds 1-{max} responses."),
    "survey.group_size": ("Mỗi nhóm gồm từ 1 đến {max} phiếu.", "A group holds 1-{max} responses."),
    "survey.group_item": ("Mỗi phần tử gồm {{kiosk_token, response}}.",
                          "Each item is {{kiosk_token, response}}."),
    "survey.other_questionnaire": ("Phiếu trả lời một bộ câu hỏi khác với bộ câu hỏi của đợt "
                                   "khảo sát.", "The response answers another questionnaire "
                                   "than the campaign's."),
    "survey.code_needed": ("Khảo sát này cần mã dùng một lần được phát tại Bộ phận Một cửa.",
                           "This survey needs the single-use code handed out at the one-stop "
                           "desk."),
    "survey.code_just_used": ("Mã này vừa được dùng cho một phiếu khác.",
                              "This code has just been used for another response."),
    "survey.response_id_taken": ("Mã phiếu này đã được dùng cho một sự kiện khác; phiếu mới cần "
                                 "mã phiếu mới.", "This response id is already used by another "
                                 "event; a new response needs a new id."),
    "survey.already_opened": ("Đợt khảo sát {campaign_id} đã được mở.",
                              "Campaign {campaign_id} was already opened."),
    "survey.cannot_open": ("Không mở được đợt khảo sát với các giá trị đã gửi; xem chi tiết.",
                           "The campaign cannot be opened as given; see the details."),
    "survey.already_closed": ("Đợt khảo sát {campaign_id} đã kết thúc.",
                              "Campaign {campaign_id} is already closed."),
    "survey.reopen_not_closed": ("Chỉ mở lại được đợt khảo sát đã kết thúc và đã có kết quả "
                                 "(đợt {campaign_id} đang ở trạng thái {state}).",
                                 "Only a closed campaign with a result can be reopened "
                                 "(campaign {campaign_id} is {state})."),
    "survey.cannot_reopen": ("Chưa mở lại được đợt khảo sát: cần lý do (tối đa {max} ký tự) "
                             "và ngày kết thúc mới từ hôm nay trở đi.",
                             "The campaign cannot be reopened: give a reason (at most {max} "
                             "characters) and a new closing day, today or later."),
    "survey.result_when_closed": ("Kết quả chỉ được tính khi đợt khảo sát kết thúc.",
                                  "A result is computed only when the campaign closes."),
    "survey.closed": ("Đợt khảo sát {campaign_id} đã kết thúc; không nhận thêm phiếu.",
                      "Campaign {campaign_id} is closed; it accepts no more responses."),
    "survey.ended": ("Đợt khảo sát {campaign_id} đã kết thúc ngày {closes_on}.",
                     "Campaign {campaign_id} ended on {closes_on}."),
    "survey.not_open_yet": ("Đợt khảo sát {campaign_id} bắt đầu ngày {opens_on}.",
                            "Campaign {campaign_id} opens on {opens_on}."),
    "survey.campaign_not_found": ("Không có đợt khảo sát {campaign_id}.",
                                  "There is no survey campaign {campaign_id}."),
    "kiosk.not_a_token": ("Đây không phải mã của thiết bị khảo sát.", "This is not a kiosk token."),
    "kiosk.already_registered": ("Thiết bị {kiosk_id} đã được đăng ký.",
                                 "Kiosk {kiosk_id} is already registered."),
    "kiosk.cannot_register": ("Không đăng ký được thiết bị với các giá trị đã gửi; xem chi tiết.",
                              "The kiosk cannot be registered as given; see the details."),
    "kiosk.already_revoked": ("Thiết bị {kiosk_id} đã bị thu hồi trước đó.",
                              "Kiosk {kiosk_id} was already revoked."),
    "kiosk.token_not_valid": ("Mã thiết bị khảo sát không hợp lệ.", "The kiosk token is not valid."),
    "kiosk.revoked": ("Thiết bị {kiosk_id} đã bị thu hồi ngày {revoked_on}; thiết bị không được "
                      "gửi phiếu.", "Kiosk {kiosk_id} was revoked on {revoked_on}; it may not "
                      "submit responses."),
    "kiosk.other_commune": ("Thiết bị {kiosk_id} thuộc xã {kiosk_commune}, không phải xã "
                            "{campaign_commune}.", "Kiosk {kiosk_id} belongs to commune "
                            "{kiosk_commune}, not {campaign_commune}."),
    "kiosk.not_found": ("Không có thiết bị khảo sát {kiosk_id}.", "There is no kiosk {kiosk_id}."),
    "survey.code_not_issued": ("Mã này không được cấp cho đợt khảo sát này.",
                               "This code was not issued for this survey."),
    "survey.code_already_used": ("Mã này đã được dùng cho một phiếu.",
                                 "This code has already been used for a response."),
    "questionnaire.version_not_found": ("Bộ câu hỏi {questionnaire_id} không có phiên bản "
                                        "{version}.", "Questionnaire {questionnaire_id} has no "
                                        "version {version}."),
    "questionnaire.id_format": ("Mã bộ câu hỏi gồm 1-63 chữ thường, chữ số, '-' hoặc '_'.",
                                "A questionnaire id is 1-63 lowercase letters, digits, '-' or "
                                "'_'."),
    "questionnaire.title_length": ("Tiêu đề có từ 1 đến {max} ký tự.",
                                   "The title must have 1-{max} characters."),
    "questionnaire.question_count": ("Bộ câu hỏi có từ 1 đến {max} câu hỏi.",
                                     "A questionnaire has 1-{max} questions."),
    "questionnaire.questions_invalid": ("Có câu hỏi không hợp lệ; xem chi tiết.",
                                        "Some questions are not valid; see the details."),
    "questionnaire.scale_needed": ("Bộ câu hỏi khảo sát cần ít nhất một câu hỏi năm mức.",
                                   "A survey questionnaire needs at least one five-level "
                                   "question."),
    "questionnaire.purpose": ("Mục đích của bộ câu hỏi là một trong: {purposes}.",
                              "A questionnaire's purpose is one of: {purposes}."),
    "questionnaire.purpose_changed": ("Bộ câu hỏi này đã công bố với mục đích {published}; "
                                      "phiên bản mới giữ nguyên mục đích đó (muốn mục đích "
                                      "khác, hãy tạo bộ câu hỏi mới).",
                                      "This questionnaire was published with the purpose "
                                      "{published}; a new version keeps it (publish another "
                                      "questionnaire for another purpose)."),
    "survey.answers_invalid": ("Có câu trả lời không hợp lệ; xem chi tiết.",
                               "Some answers are not valid; see the details."),
    "survey.response_resubmitted": ("Phiếu {response_id} đã được gửi với nội dung khác; phiếu mới "
                                    "cần mã phiếu mới.", "Response {response_id} was already "
                                    "submitted with different content; a new response needs a "
                                    "new id."),
    "survey.not_an_object": ("{what} phải là một đối tượng JSON.",
                             "The {what} must be a JSON object."),
    "survey.not_valid": ("{what} không hợp lệ; xem chi tiết.", "The {what} is not valid; see the "
                         "details."),
    "rate.kiosk": ("Thiết bị này đã gửi quá {limit} phiếu trong {span}; vui lòng thử lại sau "
                   "{retry_after_seconds} giây.", "This kiosk sent more than {limit} responses "
                   "in {span}; try again in {retry_after_seconds} s."),
    "rate.campaign": ("Đợt khảo sát này đã nhận quá {limit} phiếu trong {span}; vui lòng thử lại "
                      "sau {retry_after_seconds} giây.", "This campaign received more than "
                      "{limit} responses in {span}; try again in {retry_after_seconds} s."),
    "rate.issuer": ("Các mã dùng một lần của cùng một người cấp đã được dùng cho quá {limit} phiếu "
                    "trong {span}; vui lòng thử lại sau {retry_after_seconds} giây.", "The "
                    "single-use codes of one issuer were used for more than {limit} responses "
                    "in {span}; try again in {retry_after_seconds} s."),
    "rate.codes": ("Người này đã cấp quá {limit} mã trong {span}; vui lòng thử lại sau "
                   "{retry_after_seconds} giây.", "This person issued more than {limit} codes in "
                   "{span}; try again in {retry_after_seconds} s."),

    # -- assessments ---------------------------------------------------------------------
    "value.date_format": ("{field} phải là một ngày viết dạng YYYY-MM-DD.",
                          "{field} must be a date written YYYY-MM-DD."),
    "value.empty": ("Trường {field} không được để trống.", "The {field} must not be empty."),
    "value.one_of": ("Trường {field} phải là một trong: {choices}.",
                     "The {field} must be one of {choices}."),
    "value.year_range": ("Năm đánh giá phải từ {first} đến {last}.",
                         "The evaluation year must be between {first} and {last}."),
    "date.required": ("Cần một ngày.", "A date is required."),
    "date.time_zone_needed": ("Thời điểm phải ghi kèm múi giờ để xếp vào lịch Việt Nam.",
                              "A time must carry its time zone to be placed in Vietnam's "
                              "calendar."),
    "date.negative_working_days": ("Số ngày làm việc không được âm.",
                                   "A number of working days cannot be negative."),
    "deadlines.unknown_set": ("Không có thời hạn nào cho bộ tiêu chí {criteria_set_id}; các bộ "
                              "đã biết: {known}.", "There are no deadlines for criteria set "
                              "{criteria_set_id}; known sets: {known}."),
    "deadlines.unknown_report": ("Bộ tiêu chí {criteria_set_id} không có hạn báo cáo {report}; "
                                 "các báo cáo đã biết: {known}.", "Criteria set "
                                 "{criteria_set_id} has no report deadline {report}; known "
                                 "reports: {known}."),
    "points.float": ("Điểm phải ghi bằng số thập phân chính xác (hoặc chuỗi), không bao giờ là "
                     "số thực.", "Points must be given as a Decimal (or its string), never a "
                     "float."),
    "points.number": ("Điểm phải là một số.", "Points must be a number."),
    "points.two_places": ("Điểm có tối đa hai chữ số thập phân.",
                          "Points have at most two decimal places."),
    "points.not_string": ('{path}: điểm ghi bằng chuỗi như "2.50", không phải {kind}.',
                          '{path}: write points as a string such as "2.50", not {kind}.'),
    "points.not_two_decimals": ("{path}: {value} không phải số điểm có tối đa hai chữ số thập "
                                "phân.", "{path}: {value} is not a number of points with at "
                                "most two decimals."),
    "figures.mapping": ("Số liệu phải là một đối tượng gồm tên và giá trị.",
                        "The figures must be a mapping of names to values."),
    "figures.unstorable": ("Không lưu được số liệu: {error}.",
                           "The figures cannot be stored: {error}."),
    "scoring.invalid": ("{what} không hợp lệ:{list}", "{what} are not valid:{list}"),
    "scoring.figures_object": ('Số liệu phải là một đối tượng theo mã chỉ tiêu, ví dụ '
                               '{{"C1.I1": {{...}}}}.', 'Figures must be an object keyed by '
                               'indicator id, e.g. {{"C1.I1": {{...}}}}.'),
    "scoring.appraised_object": ("Điểm thẩm định phải là một đối tượng theo mã chỉ tiêu.",
                                 "Appraised scores must be an object keyed by indicator id."),
    "scoring.pass_fail_no_points": ("Bộ tiêu chí {set_id} chấm đạt/không đạt: không có điểm tiêu "
                                    "chí.", "Criteria set {set_id} is pass/fail: it has no "
                                    "criterion points."),
    "scoring.criterion_points_object": ('Điểm tiêu chí phải là một đối tượng như '
                                        '{{"C1": "15.00"}}.', 'Criterion points must be an '
                                        'object such as {{"C1": "15.00"}}.'),
    "scoring.sheet_no_criterion": ("Bảng điểm không có tiêu chí {criterion}.",
                                   "The score sheet has no criterion {criterion}."),
    "criteria.not_object": ("Bộ tiêu chí phải là một đối tượng JSON.",
                            "A criteria set must be a JSON object."),
    "criteria.unreadable_file": ("Không đọc được bộ tiêu chí {file}: {error}",
                                 "Cannot read the criteria set {file}: {error}"),
    "criteria.file_misnamed": ("Tệp {file} chứa bộ {set_id} phiên bản {version}; hãy đặt tên tệp "
                               "<mã>.v<phiên bản>.json.", "{file} holds set {set_id} "
                               "v{version}; name the file <id>.v<version>.json."),
    "criteria.year_not_integer": ("Năm đánh giá phải là số nguyên, ví dụ 2022.",
                                  "The evaluation year must be a whole number, e.g. 2022."),
    "criteria.no_set_for_year": ("Không có bộ tiêu chí nào áp dụng cho năm đánh giá {year}; việc "
                                 "đánh giá bắt đầu từ năm 2017.", "No criteria set applies to "
                                 "the evaluation year {year}; the standard starts with the 2017 "
                                 "evaluation."),
    "criteria.several_sets_for_year": ("Nhiều bộ tiêu chí cùng áp dụng cho năm đánh giá {year}: "
                                       "{sets}.", "Several criteria sets claim the evaluation "
                                       "year {year}: {sets}."),
    "criteria.set_invalid": ("Bộ tiêu chí {name} không hợp lệ:{list}",
                             "The criteria set {name} is not valid:{list}"),
    "criteria.no_criterion": ("Bộ tiêu chí {set_id} phiên bản {version} không có tiêu chí "
                              "{criterion}.", "Criteria set {set_id} v{version} has no "
                              "criterion {criterion}."),
    "criteria.no_indicator": ("Bộ tiêu chí {set_id} phiên bản {version} không có chỉ tiêu "
                              "{indicator}.", "Criteria set {set_id} v{version} has no "
                              "indicator {indicator}."),
    "criteria.version_exists": ("Bộ tiêu chí {set_id} phiên bản {version} đã có; phiên bản đã "
                                "công bố không bao giờ thay đổi, hãy công bố phiên bản mới.",
                                "Criteria set {set_id} version {version} already exists; a "
                                "published version never changes, publish a new version."),
    "criteria.years_overlap": ("Các năm {first_year}-{last_year} trùng với các năm của bộ "
                               "{other}; mỗi năm đánh giá chỉ theo một chế độ.", "The years "
                               "{first_year}-{last_year} overlap those of set {other}; one "
                               "evaluation year has one regime."),
    "criteria.set_not_found": ("Không có bộ tiêu chí {set_id}.",
                               "There is no criteria set {set_id}."),
    "criteria.set_version_not_found": ("Không có bộ tiêu chí {set_id} phiên bản {version}.",
                                       "There is no criteria set {set_id} version {version}."),
    "assessment.not_found": ("Xã {commune_code} chưa có hồ sơ đánh giá năm {year}.",
                             "Commune {commune_code} has no assessment for {year}."),
    "assessment.unknown_command": ("Không có thao tác {command} với hồ sơ đánh giá.",
                                   "There is no assessment command {command}."),
    "assessment.wrong_arguments": ("Tham số của thao tác {command} không đúng: {error}.",
                                   "Wrong arguments for {command}: {error}."),
    "assessment.indicators_needed": ("Hãy gửi số liệu (hoặc điểm thẩm định) của ít nhất một "
                                     "chỉ tiêu.",
                                     "Send the figures (or appraised scores) of at least one "
                                     "indicator."),
    "assessment.figures_from_survey": ("Số liệu chỉ tiêu {indicator_id} lấy từ kết quả đợt khảo "
                                       "sát {campaign_id}: không nhập tay được; kết quả chỉ thay "
                                       "đổi khi đợt khảo sát được mở lại và kết thúc lại.",
                                       "The figures of indicator {indicator_id} come from the "
                                       "result of survey campaign {campaign_id}: they cannot be "
                                       "typed in; they change only when the campaign is reopened "
                                       "and closed again."),
    "assessment.indicator_pass_fail": ("Chỉ tiêu {indicator_id} chấm đạt/không đạt: Hội đồng ghi "
                                       "đạt hay không đạt, không ghi điểm.", "Indicator "
                                       "{indicator_id} is pass/fail: the council records "
                                       "achieved or not, not points."),
    "assessment.step_not_possible": ("Hồ sơ đang ở trạng thái “{status}”: chưa thể thực hiện bước "
                                     "“{step}” ({command}). Các bước có thể làm: {possible}.",
                                     "The assessment is '{status}'; '{command}' is not possible "
                                     "now (possible: {possible})."),
    "assessment.nothing_more": ("Hồ sơ đang ở trạng thái “{status}”: không thể thực hiện bước "
                                "“{step}” ({command}) và không còn bước nào nữa.",
                                "The assessment is '{status}'; '{command}' is not possible now "
                                "(nothing more can happen)."),
    "assessment.indicator_not_in_set": ("Chỉ tiêu {indicator_id} không có trong bộ tiêu chí "
                                        "{set_id} phiên bản {version}.", "Indicator "
                                        "{indicator_id} is not in criteria set {set_id} version "
                                        "{version}."),
    "assessment.set_version_needed": ("Cần ghi phiên bản của bộ tiêu chí.",
                                      "The criteria set version must be given."),
    "assessment.year_paused": ("Năm {year}: tạm dừng đánh giá ({scope}) theo {basis}; không mở "
                               "hồ sơ đánh giá cho năm này.", "{year}: the evaluation is "
                               "paused ({scope}) under {basis}; no assessment is opened for "
                               "that year."),
    "pause.already_recorded": ("Năm {year} đã ghi nhận tạm dừng đánh giá ({scope}); hãy bỏ "
                               "tạm dừng trước khi ghi lại.", "The {year} evaluation is "
                               "already recorded as paused ({scope}); lift it before recording "
                               "it again."),
    "pause.not_recorded": ("Năm {year} không có tạm dừng đánh giá nào ({scope}) để bỏ.",
                           "No pause of the {year} evaluation ({scope}) to lift."),
    "pause.text_needed": ("Cần ghi nội dung này (căn cứ pháp lý, lý do).",
                          "This text is needed (legal basis, reason)."),
    "pause.text_invalid": ("Nội dung phải là văn bản, tối đa {max} ký tự.",
                           "Write text of at most {max} characters."),
    "pause.date_invalid": ("Ngày ban hành phải có dạng YYYY-MM-DD.",
                           "The date issued must be written YYYY-MM-DD."),
    "evaluation_report.unknown_report": ("Bộ tiêu chí {criteria_set_id} của năm {year} không có "
                                         "báo cáo “{report_id}”; các báo cáo của năm: {known}.",
                                         "The {year} criteria set {criteria_set_id} has no report "
                                         "{report_id}; the year's reports: {known}."),
    "evaluation_report.wrong_level": ("{name} là báo cáo của {level}; {unit} là đơn vị "
                                      "{unit_level}, không gửi báo cáo này.", "{name} is sent by "
                                      "the {level} level; {unit} is at the {unit_level} level "
                                      "and does not send it."),
    "evaluation_report.district_not_reviewing": ("Năm {year}, {province} không giao cấp huyện "
                                                 "thẩm định: {unit} không có báo cáo kết quả "
                                                 "gửi tỉnh.", "In {year} {province} did not have "
                                                 "its districts review: {unit} owes no report to "
                                                 "the province."),
    "evaluation_report.year_paused": ("Năm {year}: tạm dừng đánh giá ({scope}) theo {basis}; "
                                      "không có báo cáo kết quả phải gửi.", "{year}: the "
                                      "evaluation is paused ({scope}) under {basis}; no report "
                                      "is owed."),
    "evaluation_report.already_sent": ("{name} của năm {year} đã được ghi là gửi ngày {sent_on}; "
                                       "nếu ghi sai, hãy ghi đính chính kèm lý do.", "{name} of "
                                       "{year} is already recorded as sent on {sent_on}; if that "
                                       "is wrong, record a correction with its reason."),
    "evaluation_report.not_sent": ("Báo cáo {report_id} năm {year} của đơn vị {unit_code} chưa "
                                   "được ghi là đã gửi: chưa có gì để đính chính.", "Report "
                                   "{report_id} of {year} by {unit_code} is not recorded as sent: "
                                   "there is nothing to correct."),
    "evaluation_report.sent_in_future": ("Ngày gửi không được sau hôm nay ({today}).",
                                         "The date sent cannot be after today ({today})."),
    "evaluation_report.sent_before_year_end": ("Báo cáo kết quả của năm {year} gửi từ ngày "
                                               "{first} trở đi, sau khi năm đánh giá kết thúc.",
                                               "The report of {year} is sent on {first} or later, "
                                               "after the evaluation year ends."),
    "evaluation_report.number_invalid": ("Số văn bản tối đa {max} ký tự, ví dụ 15/BC-UBND.",
                                         "The document number is at most {max} characters, "
                                         "e.g. 15/BC-UBND."),
    "evaluation_report.reason_needed": ("Ghi lý do đính chính (tối đa {max} ký tự).",
                                        "Give the reason for the correction (at most {max} "
                                        "characters)."),
    "assessment.no_districts_from_2025": ("Cấp huyện đã bỏ từ ngày 01/7/2025: từ năm 2025 việc "
                                          "đánh giá do tỉnh xem xét.", "Districts were "
                                          "abolished on 1 July 2025: evaluations from 2025 on "
                                          "are reviewed by the province."),
    "assessment.district_code_needed": ("Xem xét ở cấp huyện cần mã huyện của xã.",
                                        "A district-level review needs the commune's district "
                                        "code."),
    "assessment.declarations_object": ('Phần kê khai phải là một đối tượng như '
                                       '{{"no_head_disciplined": true}}.', 'The declarations '
                                       'must be an object such as {{"no_head_disciplined": '
                                       'true}}.'),
    "assessment.unknown_conditions": ("Không phải điều kiện kê khai của bộ tiêu chí này: "
                                      "{unknown} (các điều kiện: {known}).", "Not a declared "
                                      "condition of this criteria set: {unknown} (known: "
                                      "{known})."),
    "assessment.declaration_not_bool": ("Mỗi điều kiện kê khai là true hoặc false: {invalid}.",
                                        "Each declaration is true or false: {invalid}."),
    "assessment.figures_missing": ("Còn thiếu số liệu của {count} chỉ tiêu: {missing}.",
                                   "Figures are missing for {count} indicator(s): {missing}."),
    "assessment.recognition_request_bool": ("Đề nghị công nhận hay không phải là true hoặc false.",
                                            "Whether recognition is requested must be true or "
                                            "false."),
    "comment.exists": ("Ý kiến góp ý mã '{comment_id}' đã được ghi.",
                       "A comment with id '{comment_id}' is already recorded."),
    "comment.not_found": ("Không có ý kiến góp ý mã '{comment_id}' để trả lời.",
                          "There is no comment with id '{comment_id}' to answer."),
    "comment.answered": ("Ý kiến góp ý '{comment_id}' đã được trả lời.",
                         "Comment '{comment_id}' was already answered."),
    "comment.unanswered": ("Mọi ý kiến góp ý của người dân phải được trả lời trước khi gửi hồ "
                           "sơ; chưa trả lời: {unanswered}.", "Every citizen's comment must be "
                           "answered before the dossier is submitted; unanswered: "
                           "{unanswered}."),
    "posting.too_early": ("Việc niêm yết phải kéo dài đến hết ngày {minimum_end} ({minimum} "
                          "{unit}); không thể kết thúc ngày {ends_on}.", "The posting must stay "
                          "up until {minimum_end} inclusive ({minimum} {unit}); it cannot end "
                          "on {ends_on}."),
    "council.size": ("Hội đồng có từ 1 đến {max} thành viên.",
                     "The council has between 1 and {max} members."),
    "council.member_already": ("{member_name} đã cho ý kiến.",
                               "{member_name} has already given an opinion."),
    "council.all_given": ("Mọi thành viên Hội đồng đã cho ý kiến.",
                          "Every member of the council has already given an opinion."),
    "council.written_no_meeting": ("Việc thẩm định này lấy ý kiến bằng văn bản; không có cuộc "
                                   "họp.", "This appraisal is by written opinions; there is no "
                                   "meeting."),
    "appraisal.pass_fail": ("Chỉ tiêu {indicator_id} chấm đạt/không đạt: hãy ghi đạt (true hoặc "
                            "false), không ghi điểm.", "Indicator {indicator_id} is pass/fail: "
                            "give achieved (true or false), not points."),
    "appraisal.points_not_achieved": ("Chỉ tiêu {indicator_id} chấm bằng điểm, không phải đạt "
                                      "hay không đạt.", "Indicator {indicator_id} is scored in "
                                      "points, not achieved or not."),
    "appraisal.points_range": ("Chỉ tiêu {indicator_id} chấm từ 0 đến {max} điểm; {points} nằm "
                               "ngoài khoảng này.", "Indicator {indicator_id} is scored between 0 "
                               "and {max}; {points} is outside."),
    "appraisal.missing": ("Hội đồng chưa thẩm định {count} chỉ tiêu: {missing}.",
                          "The council has not appraised {count} indicator(s): {missing}."),
    "appraisal.no_opinion": ("Chưa ghi ý kiến của thành viên Hội đồng nào.",
                             "No council member's opinion is recorded."),
    "appraisal.quorum": ("Cuộc họp có {present}/{council_size} thành viên dự; cần ít nhất "
                         "{needed} (hai phần ba).", "The meeting had {present} of "
                         "{council_size} members; two thirds ({needed}) are needed."),
    "decision.recognised_bool": ("Quyết định phải là công nhận hoặc không công nhận.",
                                 "The decision either recognises the commune or not."),
    "recognition.sheet_mismatch": ("Bảng điểm thuộc bộ {sheet}, không phải bộ {expected}.",
                                   "The score sheet is for {sheet}, not {expected}."),
    "recognition.no_satisfaction": ("Bộ tiêu chí {set_id} không dùng tỷ lệ hài lòng để công "
                                    "nhận.", "Criteria set {set_id} takes no satisfaction "
                                    "percentage for recognition."),
    "recognition.satisfaction_range": ("Tỷ lệ hài lòng (satisfaction_percent) phải từ 0 đến 100.",
                                       "satisfaction_percent must be between 0 and 100."),
    "recognition.declarations_object": ('Phần kê khai (declarations) phải là một đối tượng như '
                                        '{{"no_head_disciplined": true}}.', 'declarations must '
                                        'be an object such as {{"no_head_disciplined": true}}.'),
    "recognition.declarations_invalid": ("Phần kê khai không hợp lệ:{list}",
                                         "The declarations are not valid:{list}"),
    "recognition.commune_class": ("Loại xã phải là một trong: {classes}.",
                                  "The commune class must be one of {classes}."),
    "level.one_of": ("Cấp xem xét phải là một trong: {levels}.",
                     "The reviewing level must be one of {levels}."),
    "export.commune_form": ("Không có biểu mẫu {form} của xã; hãy dùng 02 hoặc 07.",
                            "There is no commune form {form}; use 02 or 07."),
    "export.rollup_form": ("Không có biểu mẫu tổng hợp {form}; hãy dùng 08 hoặc 09.",
                           "There is no roll-up form {form}; use 08 or 09."),

    # -- accounts ------------------------------------------------------------------------
    "account.username_invalid": ("Tên đăng nhập không hợp lệ.", "The username is not valid."),
    "account.name_invalid": ("Họ tên không hợp lệ.", "The name is not valid."),
    "account.not_found": ("Không có tài khoản {username}.", "There is no account {username}."),
    "account.username_taken": ("Tên đăng nhập {username} đã được dùng.",
                               "The username {username} is taken."),
    "account.nothing_to_change": ("Không có gì thay đổi.", "Nothing to change."),
    "account.field_not_changeable": ("Có trường không được thay đổi.",
                                     "Some fields cannot be changed."),
    "account.not_own_role": ("Bạn không tự thay đổi vai trò hoặc phạm vi của chính mình: hãy nhờ "
                             "một quản trị viên khác.", "You do not change your own role or "
                             "jurisdiction: ask another administrator."),
    "account.not_own_disabling": ("Bạn không tự khóa tài khoản của chính mình.",
                                  "You do not disable your own account."),
    "account.already_disabled": ("Tài khoản {username} đã bị khóa từ trước.",
                                 "The account {username} is already disabled."),
    "account.already_enabled": ("Tài khoản {username} đang hoạt động, không cần mở khóa.",
                                "The account {username} is active; there is nothing to enable."),
    "account.token_name_invalid": ("Tên mã truy cập không hợp lệ.", "The token's name is not valid."),
    "account.too_many_tokens": ("Tài khoản đã có {limit} mã truy cập đang dùng: thu hồi mã không "
                                "dùng nữa trước khi tạo mã mới.", "The account already has "
                                "{limit} live tokens: revoke one no longer used before making a "
                                "new one."),
    "account.token_not_found": ("Không có mã truy cập này.", "There is no such token."),
    "account.token_already_revoked": ("Mã truy cập này đã được thu hồi.",
                                      "This token was already revoked."),
    "account.own_only": ("Chỉ chính chủ tài khoản làm được việc này.",
                         "Only the account's holder can do this."),
    "account.disabled": ("Tài khoản đã bị khóa.", "The account is disabled."),
    "account.reason_needed": ("Cần nêu lý do.", "A reason is needed."),
    "account.department_scope": ("Sở Tư pháp chỉ quản lý tài khoản của các xã, huyện trong tỉnh "
                                 "mình, với vai trò công chức tư pháp xã, Phòng Tư pháp, thư ký "
                                 "hội đồng hoặc chủ tịch UBND cấp huyện.", "A provincial justice "
                                 "department manages only the accounts of its own province's "
                                 "communes and districts, as commune justice officer, district "
                                 "justice office, council secretary or district chairman."),
    "account.department_scope_granting": ("Sở Tư pháp chỉ quản lý tài khoản của các xã, huyện "
                                          "trong tỉnh mình, với vai trò công chức tư pháp xã, "
                                          "Phòng Tư pháp, thư ký hội đồng hoặc chủ tịch UBND cấp "
                                          "huyện: không giao quyền vượt quá quyền của mình.",
                                          "A provincial justice department manages only the "
                                          "accounts of its own province's communes and "
                                          "districts, as commune justice officer, district "
                                          "justice office, council secretary or district "
                                          "chairman: it grants no more than it holds."),
    "account.admins_only": ("Chỉ quản trị viên và Sở Tư pháp được quản lý tài khoản.",
                            "Only administrators and provincial justice departments manage "
                            "accounts."),
    "account.list_admins_only": ("Chỉ quản trị viên và Sở Tư pháp được xem danh sách tài khoản.",
                                 "Only administrators and provincial justice departments see "
                                 "the list of accounts."),
    "account.password_wrong": ("Mật khẩu hiện tại không đúng.",
                               "The current password is not right."),
    "account.new_password_weak": ("Mật khẩu mới chưa đạt yêu cầu.",
                                  "The new password does not meet the requirements."),
    "account.password_weak": ("Mật khẩu chưa đạt yêu cầu.",
                              "The password does not meet the requirements."),
    "account.changed_meanwhile": ("Tài khoản đã được người khác thay đổi sau khi bạn mở nó: hãy "
                                  "tải lại và thực hiện lại.", "The account was changed by "
                                  "someone else after you opened it: reload it and try again."),
    "account.locked_out": ("Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                           "Too many wrong passwords. Try again in {minutes} min."),
    "session.unknown": ("Phiên đăng nhập không hợp lệ.", "The session is not valid."),
    "session.ended": ("Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại.",
                      "The session has ended; sign in again."),
    "session.expired": ("Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.",
                        "The session has expired; sign in again."),
    "session.revoked": ("Phiên đăng nhập đã bị thu hồi.", "The session was revoked."),
    "personal_token.unknown": ("Mã truy cập cá nhân không hợp lệ.",
                               "The personal token is not valid."),
    "personal_token.ended": ("Mã truy cập cá nhân đã kết thúc; vui lòng đăng nhập lại.",
                             "The personal token has ended; sign in again."),
    "personal_token.expired": ("Mã truy cập cá nhân đã hết hạn; vui lòng đăng nhập lại.",
                               "The personal token has expired; sign in again."),
    "personal_token.revoked": ("Mã truy cập cá nhân đã bị thu hồi.",
                               "The personal token was revoked."),

    # -- the public record ---------------------------------------------------------------
    "publication.province_nothing": ("Tỉnh {province_code} chưa công bố kết quả nào của năm "
                                     "{year}.", "Nothing has been published for province "
                                     "{province_code} in {year}."),
    "publication.commune_nothing": ("Xã {commune_code} chưa có kết quả nào được công bố.",
                                    "Nothing has been published for commune {commune_code}."),
    "publication.change_log_not_ready": ("Nhật ký thay đổi của dữ liệu công khai chưa được khởi "
                                         "tạo.", "The change log of the public record is not "
                                         "set up yet."),
    "publication.status": ("Trạng thái (status) phải là một trong: {allowed}.",
                           "status must be one of {allowed}."),
    "publication.whole_numbers": ("limit, offset và year phải là số nguyên.",
                                  "limit, offset and year must be whole numbers."),
    "publication.head_untrusted": ("Bản ký đầu chuỗi mà {source} trả về không tin cậy được: "
                                   "{problem}.", "The signed head {source} answered with cannot "
                                   "be trusted: {problem}."),
    "publication.not_in_log": ("Sự kiện ở vị trí {position} của {source} như đã công bố không có "
                               "trong nhật ký {source} đã ký ở vị trí {head_position}: nhật ký "
                               "đã bị thay đổi.", "The event at {source} position {position} "
                               "as published is not in the log {source} signed at position "
                               "{head_position}: the log was changed."),
    "publication.no_proof": ("Không có bằng chứng chứa của {source} ở vị trí {position}.",
                             "No inclusion proof for {source} position {position}."),
    "proof.positions_integers": ("Các vị trí (positions) phải là số nguyên.",
                                 "positions must be integers."),
    "proof.positions_range": ("Hãy nêu từ 1 đến {max} vị trí, mỗi vị trí từ 1 trở lên.",
                              "Give 1 to {max} positions of 1 or more."),
    "proof.beyond_log": ("Vị trí {position} ở sau cuối nhật ký.",
                         "Position {position} is beyond the end of the log."),
    "proof.not_signed_yet": ("Chưa có bản ký nào của {source} bao gồm vị trí {position}; xin thử "
                             "lại sau vài giây.", "No signed head of {source} covers position "
                             "{position} yet; try again in a few seconds."),
    "proof.beyond_head": ("Vị trí {position} ở sau bản ký đầu chuỗi tại vị trí {head_position}.",
                          "Position {position} is beyond the signed head at {head_position}."),
    "proof.log_changed": ("Nhật ký của {source} không còn cho gốc Merkle đã ký ở vị trí "
                          "{position} ({signed_at}): nhật ký đã bị thay đổi sau khi ký.",
                          "The log of {source} no longer gives the Merkle root signed at "
                          "position {position} ({signed_at}): it was changed after it was "
                          "signed."),
    "audit.filters_object": ("Bộ lọc phải là một đối tượng.", "Filters must be an object."),
    "audit.query_invalid": ("Truy vấn nhật ký không hợp lệ; xem chi tiết từng bộ lọc.",
                            "The audit query is not valid; see details for each filter."),
    "audit.position_integers": ("after_position và limit phải là số nguyên.",
                                "after_position and limit must be integers."),
    "audit.position_not_negative": ("after_position phải từ 0 trở lên.",
                                    "after_position must be 0 or more."),
    "audit.hash_positions": ("positions phải là danh sách tối đa {max} số nguyên dương.",
                             "positions must be a list of at most {max} positive integers."),
    "event.newer_schema": ("Sự kiện {type} phiên bản {version} mới hơn phiên bản hệ thống này "
                           "biết (v{known}).", "{type} v{version} is newer than this code knows "
                           "(v{known})."),

    # -- steps' dates, evidence, reopening, roles ----------------------------------------
    "date.future": ("{step} ({day}) chưa đến: hôm nay là {today} (giờ Việt Nam). Chỉ ghi nhận "
                    "những bước đã diễn ra.", "The {step} ({day}) has not come yet: today is "
                    "{today} (Vietnam time). Only steps that have happened are recorded."),
    "date.before_previous": ("{step} ({day}) không được trước {before} ({on}), bước liền trước "
                             "của hồ sơ: các bước được ghi theo đúng thứ tự đã diễn ra.",
                             "The {step} ({day}) cannot be before the {before} ({on}), the "
                             "step before it: steps are recorded in the order they happened."),
    "role.not_allowed": ("Vai trò {role} không được thực hiện thao tác này; cần một trong các "
                         "vai trò: {roles}.", "The role {role} may not do this; it takes one "
                         "of the roles {roles}."),
    "survey.campaign_id_format": ("Không có đợt khảo sát {campaign_id}: mã đợt có dạng <mã xã>-<kỳ>, "
                                  "ví dụ 00004-2025, hoặc <mã xã>-<kỳ>-mau04 với đợt lấy ý "
                                  "kiến theo Mẫu 04, ví dụ 00004-2025-mau04.",
                                  "There is no survey campaign "
                                  "{campaign_id}: a campaign id is <commune code>-<period>, "
                                  "e.g. 00004-2025, or <commune code>-<period>-mau04 for a "
                                  "Form 04 campaign, e.g. 00004-2025-mau04."),
    "personal_token.malformed": ("Mã truy cập cá nhân không hợp lệ.",
                                 "The personal token is malformed."),
    "upload.too_large": ("Tệp lớn hơn giới hạn {limit} cho mỗi tài liệu minh chứng. Hãy giảm dung "
                         "lượng (quét ở độ phân giải thấp hơn, nén ảnh) hoặc chia thành nhiều "
                         "tệp.", "The file is larger than the limit of {limit} for one piece of "
                         "evidence. Make it smaller (scan at a lower resolution, compress the "
                         "images) or split it into several files."),
    "reopen.after_posting": ("Không thể mở lại bản tự đánh giá: kết quả tự đánh giá đã được niêm "
                             "yết công khai từ ngày {posting_start}. Chỉ mở lại được trước khi "
                             "niêm yết.", "The self-assessment cannot be reopened: it has been "
                             "posted publicly since {posting_start}. It can be reopened only "
                             "before its posting."),
    "reopen.not_submitted": ("Bản tự đánh giá chưa được gửi nên không cần mở lại: vẫn có thể sửa "
                             "số liệu.", "The self-assessment was not submitted, so there is "
                             "nothing to reopen: its figures can still be changed."),
    "reopen.reason_needed": ("Cần nêu lý do mở lại bản tự đánh giá.",
                             "A reason for reopening the self-assessment is needed."),
    "evidence.already_attached": ("Tệp này đã được đính kèm cho chỉ tiêu {indicator_id} với tên "
                                  "“{file_name}”; không cần tải lên lại.", "This file is already "
                                  "attached to indicator {indicator_id} as “{file_name}”; there "
                                  "is no need to upload it again."),
    "evidence.not_found": ("Chỉ tiêu {indicator_id} không có tệp minh chứng nào có mã SHA-256 "
                           "{sha256}.", "Indicator {indicator_id} has no evidence file with "
                           "SHA-256 {sha256}."),
    "evidence.not_found_in_dossier": ("Chỉ tiêu {indicator_id} của hồ sơ không có tệp minh chứng "
                                      "nào có mã SHA-256 {sha256}.", "Indicator {indicator_id} "
                                      "of the dossier has no evidence file with SHA-256 "
                                      "{sha256}."),
    "evidence.declared_only": ("Tệp này chỉ được khai tên và mã SHA-256 khi nhập số liệu (trước "
                               "khi có chức năng tải tệp lên): hệ thống không lưu tệp này.",
                               "This file was only declared by its name and SHA-256 with the "
                               "figures (before files could be uploaded): the platform does not "
                               "hold it."),
    "evidence.description": ("Tệp minh chứng phải được mô tả bằng một đối tượng (tên tệp, loại, "
                             "kích thước, SHA-256).", "An evidence file is described by an "
                             "object (file name, type, size, SHA-256)."),
    "evidence.sha256": ("Mã SHA-256 của tệp phải gồm 64 chữ số thập lục phân viết thường.",
                        "A file's SHA-256 is 64 lowercase hexadecimal digits."),
    "evidence.size": ("Kích thước tệp phải là một số byte dương.",
                      "A file's size is a positive number of bytes."),
    "evidence.media_type": ("Loại tệp {media_type} không thuộc các loại tài liệu minh chứng được "
                            "nhận.", "The file type {media_type} is not one accepted as "
                            "evidence."),
    "evidence.file_name": ("Tên tệp phải có từ 1 đến {max} ký tự, không có dấu / hoặc \\.",
                           "A file name has 1 to {max} characters, without / or \\."),
    "evidence.signatures": ("Tệp PDF cần có kết quả kiểm tra chữ ký số; các loại tệp khác thì "
                            "không.", "A PDF file needs its signature check; other files have "
                            "none."),
    "evidence.signatures_unstorable": ("Kết quả kiểm tra chữ ký số không lưu được: {error}.",
                                       "The signature check cannot be stored: {error}."),
    "evidence.not_in_store": ("Tệp chưa có trong kho lưu trữ với kích thước đã khai: chỉ tệp đã "
                              "được tải lên qua cổng API mới được ghi làm minh chứng.",
                              "The file is not in storage with the size given: only files "
                              "uploaded through the API are recorded as evidence."),

    # -- plan documents, stored files ----------------------------------------------------
    "plan_document.not_base64": ("Nội dung không phải base64 hợp lệ; hãy mã hóa lại tệp .docx bằng "
                                 "base64 rồi gửi lại.", "The content is not valid base64; "
                                 "encode the .docx file in base64 again and send it again."),
    "plan_document.not_text": ("Tệp không phải văn bản UTF-8 cũng không phải tệp .docx; hãy gửi "
                               "văn bản thuần, Markdown hoặc tệp .docx.", "The file is neither "
                               "UTF-8 text nor a .docx file; send plain text, Markdown or a "
                               ".docx file."),
    "plan_document.unstorable": ("Văn bản có ký tự không hợp lệ (ký tự NUL hoặc một nửa cặp thay "
                                 "thế UTF-16); hãy lưu lại văn bản ở dạng UTF-8 rồi gửi lại.",
                                 "The text holds a character that cannot be stored (NUL or half "
                                 "a UTF-16 surrogate pair); save it as UTF-8 and send it again."),
    "plan_document.damaged_docx": ("Không đọc được tệp .docx (tệp hỏng hoặc không phải .docx); "
                                   "hãy mở tệp bằng Word, lưu lại rồi gửi lại.", "The .docx file "
                                   "cannot be read (damaged, or not a .docx); open it in Word, "
                                   "save it and send it again."),
    "plan_document.not_zip": ("Tệp không phải tệp .docx (không mở được gói zip của tệp); hãy gửi "
                              "văn bản thuần, Markdown hoặc tệp .docx.", "The file is not a .docx "
                              "file (its zip package does not open); send plain text, Markdown "
                              "or a .docx file."),
    "plan_document.too_large": ("Tệp .docx quá lớn khi giải nén (hơn {mib} MiB); hãy bỏ bớt hình "
                                "ảnh hoặc tách kế hoạch thành nhiều tệp.", "The .docx file is "
                                "too large unpacked (over {mib} MiB); remove some images or "
                                "split the plan into several files."),
    "file.corrupted": ("Tệp trong kho lưu trữ đã bị thay đổi sau khi tải lên (mã SHA-256 không "
                       "còn khớp) nên không được cung cấp. Quản trị viên cần khôi phục tệp gốc từ "
                       "bản sao lưu.", "The file in storage was changed after it was uploaded "
                       "(its SHA-256 no longer matches), so it is not served. An administrator "
                       "needs to restore the original from a backup."),
    "file.missing": ("Tệp đã được ghi nhận nhưng không còn trong kho lưu trữ. Quản trị viên cần "
                     "khôi phục kho lưu trữ từ bản sao lưu.", "The file was recorded but is no "
                     "longer in storage. An administrator needs to restore the storage from a "
                     "backup."),
    "file.storage_unavailable": ("Kho lưu trữ tệp tạm thời không truy cập được; hãy thử lại sau ít "
                                 "phút.", "File storage cannot be reached for now; try again in "
                                 "a few minutes."),
    "file.encrypted_pdf": ("Tệp PDF có mật khẩu mở tệp nên cán bộ thẩm định không đọc được; hãy lưu "
                           "bản không đặt mật khẩu rồi tải lên lại.", "The PDF file needs a "
                           "password to open, so reviewers cannot read it; save a copy without "
                           "a password and upload it again."),
    "file.damaged_pdf": ("Tệp PDF bị hỏng nên không đọc được; hãy mở và lưu lại (hoặc in ra PDF) "
                         "rồi tải lên lại.", "The PDF file is damaged and cannot be read; open "
                         "and save it again (or print it to PDF) and upload it again."),
    "survey.erasure_reason": ("Cần ghi lý do xóa nội dung góp ý (1-{max} ký tự), ví dụ yêu cầu xóa "
                              "dữ liệu cá nhân của người dân.", "A reason for erasing the "
                              "comments is needed (1-{max} characters), such as a citizen's "
                              "request to erase their personal data."),
    "personal_token.cannot_mint": ("Không tạo được mã truy cập mới bằng một mã truy cập cá nhân: "
                                   "hãy tạo trên trang tài khoản sau khi đăng nhập.", "A personal "
                                   "token cannot make a new token: make it on the account page "
                                   "after signing in."),

    "account.session_id_invalid": ("Mã phiên không hợp lệ.", "The session id is not valid."),
    "account.role_invalid": ("Vai trò không hợp lệ.", "The role is not valid."),
    "account.jurisdiction_invalid": ("Phạm vi quản lý không hợp lệ.",
                                     "The jurisdiction is not valid."),
    "account.jurisdiction_fields": ("Phạm vi quản lý không hợp lệ: xem từng trường.",
                                    "The jurisdiction is not valid: see each field."),
    "account.not_an_object": ("{what} phải là một đối tượng JSON.",
                              "The {what} must be a JSON object."),
    "account.fields_invalid": ("{what} không hợp lệ: xem từng trường.",
                               "The {what} is not valid: see each field."),

    # -- the kernel ---------------------------------------------------------------------
    "store.version_conflict": ("Dữ liệu vừa được người khác thay đổi (luồng {stream} đang ở phiên "
                               "bản {current_version}, không phải phiên bản {expected_version} "
                               "như bạn đã đọc); không có gì được ghi. Hãy tải lại rồi thử lại.", "Stream {stream} is at version {current_version}, not "
                               "the expected {expected_version}; nothing was written."),
    "store.duplicate_events": ("Các sự kiện đã được lưu trước đó: {ids}; không có gì được ghi.",
                               "Events already stored: {ids}; nothing was written."),
}

# What validation says of one field: marshmallow's own defaults, then the schemas' own.
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "field.required": ("Trường này là bắt buộc.", "Missing data for required field."),
    "field.null": ("Trường này không được để trống.", "Field may not be null."),
    "field.validator_failed": ("Giá trị này không hợp lệ.", "Invalid value."),
    "field.invalid_type": ("Kiểu dữ liệu không hợp lệ.", "Invalid type."),
    "field.unknown": ("Trường này không được nhận.", "Unknown field."),
    "field.unknown_here": ("Trường này không được nhận: địa chỉ này không dùng trường này.",
                           "Unknown field: this endpoint does not accept it."),
    "field.input_type": ("Kiểu dữ liệu đầu vào không hợp lệ.", "Invalid input type."),
    "field.object_expected": ("Kiểu dữ liệu không hợp lệ: cần một đối tượng JSON.",
                              "Invalid input type: a JSON object is expected."),
    "field.not_list": ("Không phải một danh sách (mảng JSON).", "Not a valid list."),
    "field.not_tuple": ("Không phải một bộ giá trị hợp lệ.", "Not a valid tuple."),
    "field.not_string": ("Không phải một chuỗi ký tự.", "Not a valid string."),
    "field.not_utf8": ("Không phải chuỗi UTF-8 hợp lệ.", "Not a valid utf-8 string."),
    "field.not_uuid": ("Không phải một UUID hợp lệ.", "Not a valid UUID."),
    "field.not_number": ("Không phải một số.", "Not a valid number."),
    "field.too_large": ("Số quá lớn.", "Number too large."),
    "field.not_integer": ("Không phải một số nguyên.", "Not a valid integer."),
    "field.special_number": ("Không nhận NaN hay vô cực.",
                             "Special numeric values (nan or infinity) are not permitted."),
    "field.not_boolean": ("Không phải giá trị đúng/sai (true hoặc false).",
                          "Not a valid boolean."),
    "field.not_boolean_strict": ("Không phải giá trị đúng/sai: hãy ghi true hoặc false.",
                                 "Not a valid boolean: write true or false."),
    "field.not_date": ("Không phải một ngày hợp lệ (YYYY-MM-DD).", "Not a valid date."),
    "field.not_datetime": ("Không phải ngày giờ hợp lệ (ISO 8601).", "Not a valid datetime."),
    "field.not_aware_datetime": ("Ngày giờ phải ghi kèm múi giờ.",
                                 "Not a valid aware datetime."),
    "field.not_period": ("Không phải một khoảng thời gian hợp lệ.",
                         "Not a valid period of time."),
    "field.not_mapping": ("Không phải một đối tượng JSON.", "Not a valid mapping type."),
    "field.not_url": ("Không phải một địa chỉ URL hợp lệ.", "Not a valid URL."),
    "field.not_email": ("Không phải một địa chỉ email hợp lệ.", "Not a valid email address."),
    "field.date_format": ('"{input}" không phải một ngày.', '"{input}" cannot be formatted as '
                          "a date."),
    "field.one_of": ("Phải là một trong các giá trị: {choices}.", "Must be one of: {choices}."),
    "field.range_all_gte_lte": ("Phải lớn hơn hoặc bằng {min} và nhỏ hơn hoặc bằng {max}.",
                                "Must be greater than or equal to {min} and less than or equal "
                                "to {max}."),
    "field.range_min_gte": ("Phải lớn hơn hoặc bằng {min}.",
                            "Must be greater than or equal to {min}."),
    "field.range_max_lte": ("Phải nhỏ hơn hoặc bằng {max}.",
                            "Must be less than or equal to {max}."),
    "field.range_min_gt": ("Phải lớn hơn {min}.", "Must be greater than {min}."),
    "field.range_max_lt": ("Phải nhỏ hơn {max}.", "Must be less than {max}."),
    "field.length_min": ("Ngắn hơn độ dài tối thiểu {min}.", "Shorter than minimum length {min}."),
    "field.length_max": ("Dài hơn độ dài tối đa {max}.", "Longer than maximum length {max}."),
    "field.length_all": ("Độ dài phải từ {min} đến {max}.",
                         "Length must be between {min} and {max}."),
    "field.length_equal": ("Độ dài phải bằng {equal}.", "Length must be {equal}."),
    "field.pattern": ("Chuỗi không đúng dạng yêu cầu.", "String does not match expected pattern."),
    "field.invalid_input": ("Dữ liệu nhập không hợp lệ.", "Invalid input."),
    "field.not_in_choices": ("Có lựa chọn không thuộc: {choices}.",
                             "One or more of the choices you made was not in: {choices}."),
    "field.points": ('Điểm ghi bằng chuỗi có tối đa hai chữ số thập phân như "2.50" (hoặc số '
                     "nguyên), không bao giờ là số thực.", 'Points are a string such as "2.50" '
                     "(or a whole number), never a float."),
    "field.unstorable_text": ("Văn bản có ký tự không hợp lệ (ký tự NUL hoặc một nửa cặp thay thế "
                              "UTF-16); hãy nhập lại đoạn văn bản này.", "The text holds a "
                              "character that cannot be stored (NUL or half a UTF-16 surrogate "
                              "pair); enter this text again."),
    "field.object": ("Cần một đối tượng JSON.", "Expected an object."),
    "field.integers": ("Cần các số nguyên.", "Expected integers."),
    "field.out_of_range": ("Nằm ngoài khoảng cho phép.", "Out of range."),
    "field.beyond_log": ("Ở sau cuối nhật ký.", "Beyond the log."),
    "field.beyond_tree": ("Ở sau bản ký đầu chuỗi.", "Beyond the tree."),
    "field.positive_integers": ("Cần một danh sách số nguyên dương.",
                                "Expected a list of positive integers."),
    "field.not_negative": ("Phải từ 0 trở lên.", "Must be 0 or more."),
    "field.unknown_filter": ("Không có bộ lọc này; hãy dùng một trong: {filters}.",
                             "Unknown filter; use one of {filters}."),
    "field.event_types": ("Cần một danh sách tên loại sự kiện, không rỗng.",
                          "Expected a non-empty list of event type names."),
    "field.short_text": ("Cần một chuỗi không rỗng, tối đa 200 ký tự.",
                         "Expected a non-empty string of at most 200 characters."),
    "field.commune_code": ("Mã xã chỉ gồm chữ và số.", "A commune code is letters and digits only."),
    "field.iso_date": ("Cần ngày hoặc ngày giờ theo ISO 8601.",
                       "Expected an ISO 8601 date or date and time."),
    "field.answer": ("Câu trả lời là một mức (1-5) hoặc một đoạn chữ.",
                     "An answer is a level (1-5) or text."),
    "field.points_text": ('Ghi điểm bằng chuỗi có tối đa hai chữ số thập phân, ví dụ "12.50".',
                          'Write points as a string with at most two decimals, e.g. "12.50".'),
    "field.an_object": ("Cần một đối tượng.", "An object is expected."),
    "field.once": ("Trường này chỉ được gửi một lần.", "This field is sent once only."),
    "field.no_file": ("Chưa chọn tệp nào để tải lên.", "No file was chosen to upload."),
    "field.one_file": ("Mỗi lần chỉ tải lên một tệp.", "Upload one file at a time."),
    "field.empty_file": ("Tệp rỗng.", "The file is empty."),
    "field.unreadable_upload": ("Không đọc được nội dung gửi lên.",
                                "The uploaded content cannot be read."),
    "field.cursor": ("Con trỏ không hợp lệ: dùng next_cursor của trang trước.",
                     "The cursor is not valid: use next_cursor of the page before."),
    "field.wrong_type": ("Giá trị không đúng kiểu.", "The value is not of the right type."),
    "field.invalid_value": ("Giá trị không hợp lệ.", "The value is not valid."),
}

_FORMATTER = string.Formatter()


class _Params(dict):
    def __missing__(self, key):  # a value the raiser did not give is shown as its name
        return "{" + key + "}"


def is_vietnamese(text: str) -> bool:
    return not VIETNAMESE_LETTERS.isdisjoint(text)


def language_of(text: str) -> str:
    return VI if is_vietnamese(text) else EN


def render(key: str, language: str, params: dict | None = None) -> str:
    """The text of ``key`` in ``language`` with ``params`` in its placeholders."""
    vi, en = MESSAGES.get(key) or FIELD_MESSAGES[key]
    template = en if language == EN else vi
    return template.format_map(_Params({k: _shown(v, language) for k, v in (params or {}).items()}))


def in_both(vi: str, en: str) -> dict:
    """A value that is itself words (a period, a state): given in both languages."""
    return {VI: vi, EN: en}


def _shown(value, language: str) -> str:
    if isinstance(value, dict) and set(value) == set(LANGUAGES):
        return str(value[language])
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    return str(value)


def localise_field_message(text: str, language: str) -> str:
    """A field message marshmallow or a schema wrote, in ``language``: found by its text in
    either language, its values kept; a text the catalogue does not know is left as it is."""
    if not isinstance(text, str) or language_of(text) == language:
        return text
    for pattern, key in _field_patterns():
        found = pattern.fullmatch(text)
        if found:
            return render(key, language, found.groupdict())
    return text


def localise_details(details, language: str):
    """``details`` with every field message in ``language`` (nested as marshmallow nests)."""
    if isinstance(details, dict):
        return {key: localise_details(value, language) for key, value in details.items()}
    if isinstance(details, list):
        return [localise_details(value, language) for value in details]
    return localise_field_message(details, language)


@lru_cache(maxsize=1)
def _field_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    found = []
    for key, texts in FIELD_MESSAGES.items():
        for template in texts:
            found.append((_pattern(template), key))
    return tuple(found)


def _pattern(template: str) -> re.Pattern:
    parts, seen = [], set()
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


def placeholders(template: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in _FORMATTER.parse(template) if name}

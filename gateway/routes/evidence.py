"""HTTP routes of an assessment's evidence files: upload, download, removal.

The commune's officer uploads a file for one indicator (multipart/form-data); the gateway
judges it, stores it and tells the assessment service, which records it in the assessment
(gateway/evidence.py says what happens, and where). Whoever may read the assessment may
download its files; the public board lists them without serving them
(docs/assessment-api.md, "Evidence files").
"""

from __future__ import annotations

from contracts import assessment as _assessment_errors  # noqa: F401 (they cross RPC intact)
from gateway.http import endpoint
from gateway.routes.assessment import BASE
from gateway.routes.assessment_schemas import (  # noqa: F401 (names used in docstrings)
    AssessmentWrittenSchema,
    IndicatorPathSchema,
)
from gateway.routes.evidence_schemas import (  # noqa: F401 (names used in docstrings)
    EvidenceFilePathSchema,
    EvidenceUploadSchema,
    ExpectedVersionQuerySchema,
)
from gateway.web import http
from kernel import nameko as _registers_kernel_errors  # noqa: F401
from storage import blobs as _storage_errors  # noqa: F401
from storage import filetypes as _file_errors  # noqa: F401

# kernel.nameko registers with nameko every KernelError subclass defined after it is imported:
# importing the store's and the file checks' errors after it makes them cross RPC as
# themselves (storage_unavailable, …); contracts.assessment sees to its own.


class EvidenceRoutes:
    @http("POST", BASE + "/evidence/<indicator_id>")
    @endpoint(path=IndicatorPathSchema, upload=EvidenceUploadSchema)
    def attach_evidence(self, call, commune_code, year, indicator_id):
        """Tải lên một tài liệu minh chứng cho một chỉ tiêu

        Gửi dạng multipart/form-data, tệp trong trường `file` (tên tệp gửi kèm là tên được
        ghi nhận). Nhận PDF, ảnh PNG/JPEG, .docx, .xlsx, xác định theo nội dung tệp; tên tệp
        phải có đuôi đúng loại. Tệp lớn hơn giới hạn (EVIDENCE_MAX_BYTES, mặc định 20 MB) trả
        về 413; loại khác trả về 415; tệp hỏng, có mật khẩu hoặc tệp nén quá lớn khi giải nén
        trả về 400 `unreadable_file`. Máy chủ tự tính SHA-256; với PDF, kiểm tra chữ ký số
        (người ký, thời điểm ký, còn nguyên vẹn hay đã bị sửa, có được tin cậy không) và lưu
        kết quả kèm tệp. Được tải lên khi đang tự đánh giá, đến trước khi gửi hồ sơ, và khi
        được yêu cầu bổ sung hồ sơ. Cùng một tệp đã đính kèm cho chỉ tiêu: 409
        `evidence_already_attached`. Trả về hồ sơ đánh giá, có danh sách minh chứng.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          201: {description: Đã lưu tệp và ghi nhận., content: {application/json: {schema: AssessmentWrittenSchema}}}
          404: Error
          409: Error
          413: Error
          415: Error
          503: Error
        """
        file = self.evidence.keep(call.upload)
        return 201, self.backends.call("assessment", "attach_evidence", commune_code, year,
                                       indicator_id, file, call.body["expected_version"],
                                       call.context())

    @http("GET", BASE + "/evidence/<indicator_id>/<sha256>")
    @endpoint(path=EvidenceFilePathSchema)
    def download_evidence(self, call, commune_code, year, indicator_id, sha256):
        """Tải về một tài liệu minh chứng

        Trả về đúng tệp đã tải lên (kiểm tra lại SHA-256 trước khi gửi: tệp bị sửa trong kho
        lưu trữ không được cung cấp), dạng tệp đính kèm mang tên tiếng Việt gốc.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200:
            description: Tệp minh chứng.
            content:
              application/pdf: {schema: {type: string, format: binary}}
              image/png: {schema: {type: string, format: binary}}
              image/jpeg: {schema: {type: string, format: binary}}
              application/vnd.openxmlformats-officedocument.wordprocessingml.document: {schema: {type: string, format: binary}}
              application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
          404: Error
          503: Error
        """
        file = self.backends.call("assessment", "evidence_file", commune_code, year,
                                  indicator_id, sha256)
        return self.evidence.download(call.request, file)

    @http("DELETE", BASE + "/evidence/<indicator_id>/<sha256>")
    @endpoint(path=EvidenceFilePathSchema, query=ExpectedVersionQuerySchema)
    def remove_evidence(self, call, commune_code, year, indicator_id, sha256):
        """Gỡ một tài liệu minh chứng khỏi chỉ tiêu (khi còn đang tự đánh giá)

        Chỉ tiêu không còn dẫn tệp này; tệp vẫn được giữ trong kho lưu trữ và nhật ký vẫn ghi
        lần tải lên. Sau khi hoàn thành tự đánh giá thì không gỡ được (409).
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã gỡ., content: {application/json: {schema: AssessmentWrittenSchema}}}
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("assessment", "remove_evidence", commune_code, year,
                                  indicator_id, sha256, call.query["expected_version"],
                                  call.context())

"""Why a commune is, or is not, recognised: the recognition conditions of its year's regime
as the board says them, each with its value and its threshold.

The conditions come from the public record: the decision's entry carries the rules applied
to the council's sheet as the chairman decided (rules/recognition.py,
``public_explanation``); this module only puts them into Vietnamese sentences. A decision
recorded before the conditions were carried is explained with what the record has (each
criterion against its floor) and says that the rest was not recorded.
"""

from __future__ import annotations

from kernel import vietnamese as vi

VERDICTS = {"met": "Đạt", "not_met": "Không đạt", "missing_input": "Chưa đủ thông tin",
            "unconfirmed": "Chỉ ghi nhận"}


def explanation(year: dict) -> dict | None:
    """The explanation of one year of the commune's record (a ``years`` item), or None when
    nothing is decided and nothing is scored yet."""
    decision = year.get("decision") or {}
    carried = decision.get("recognition")
    if carried and carried.get("conditions"):
        lines = [_line(c, year) for c in carried["conditions"]]
        complete = True
    else:
        lines = [_floor_from_scores(c) for c in ((year.get("scores") or {}).get("criteria") or [])
                 if c.get("floor") not in (None, "") or c.get("achieved") is not None]
        complete = False
    if not decision and not lines:
        return None
    failed = [line for line in lines if line["decisive"] and line["verdict"] != "met"]
    decided = decision.get("recognised") if decision else None
    rules = carried.get("recognised") if carried else None
    return {
        "decided": decided, "rules_recognised": rules, "complete": complete,
        "lines": lines, "failed": failed,
        "disagrees": rules is not None and decided is not None and rules != decided,
        "revoked": bool(year.get("revocation")),
        "headline": _headline(decided, failed, complete, year),
    }


def _headline(decided, failed, complete: bool, year: dict) -> str:
    if decided is None:
        return ("Chưa có quyết định công nhận. Đối chiếu điểm hiện có với các điều kiện "
                "công nhận:")
    if decided:
        if year.get("revocation"):
            return "Đã được công nhận, sau đó bị thu hồi công nhận (xem lý do bên dưới)."
        if failed:
            return ("Được công nhận đạt chuẩn theo quyết định của Chủ tịch Ủy ban nhân dân có "
                    "thẩm quyền, dù đối chiếu các điều kiện dưới đây chưa đạt: "
                    + "; ".join(line["reason"] for line in failed) + ".")
        return "Được công nhận đạt chuẩn: bảo đảm các điều kiện công nhận dưới đây."
    if failed:
        reasons = "; ".join(line["reason"] for line in failed)
        return f"Không đạt chuẩn vì: {reasons}."
    if not complete:
        return ("Không đạt chuẩn. Mọi tiêu chí đều đạt điểm sàn; quyết định được ghi trước khi "
                "hệ thống lưu kèm đối chiếu tổng điểm với ngưỡng và các điều kiện kê khai, nên "
                "lý do còn lại không hiển thị được ở đây.")
    return "Không đạt chuẩn theo quyết định của Chủ tịch Ủy ban nhân dân có thẩm quyền."


def _line(c: dict, year: dict) -> dict:
    kind, verdict = c.get("kind"), c.get("verdict")
    value, threshold = c.get("value"), c.get("threshold")
    if kind == "total":
        klass = c.get("commune_class")
        name = "Tổng điểm"
        shown = f"{vi.number(value)}/{vi.number(c.get('total_max'))} điểm" if value else "—"
        limit = (f"tối thiểu {vi.number(threshold)} điểm"
                 + (f" (xã loại {klass})" if klass else "")) if threshold else \
            "chưa xác định: cần biết xã thuộc loại I, II hay III"
        reason = (f"tổng điểm {vi.number(value)} thấp hơn ngưỡng {vi.number(threshold)}"
                  + (f" của xã loại {klass}" if klass else "")) if threshold else \
            "chưa xác định loại xã để biết ngưỡng tổng điểm"
    elif kind == "floor":
        number = c.get("criterion_number") or (c.get("criterion_id") or "").removeprefix("C")
        name = f"Tiêu chí {number}" + (f": {c['name_vi']}" if c.get("name_vi") else "")
        shown = f"{vi.number(value)}/{vi.number(c.get('max'))} điểm"
        limit = f"điểm sàn {vi.number(threshold)} ({vi.number(c.get('ratio_percent') or 50)}% điểm tối đa)"
        reason = (f"tiêu chí {number} đạt {vi.number(value)} điểm, dưới điểm sàn "
                  f"{vi.number(threshold)}")
    elif kind == "indicators":
        failed, pending = c.get("failed") or [], c.get("not_assessed") or []
        name = "Các chỉ tiêu"
        shown = f"{vi.number(c.get('achieved'))}/{vi.number(c.get('count'))} chỉ tiêu đạt"
        limit = f"đạt cả {vi.number(c.get('count'))} chỉ tiêu"
        reason = ("chỉ tiêu không đạt: " + ", ".join(failed)) if failed else \
            ("chỉ tiêu chưa đánh giá: " + ", ".join(pending))
        if failed:
            shown += "; không đạt: " + ", ".join(failed)
    elif kind == "satisfaction":
        name = "Tỷ lệ người dân hài lòng"
        shown = f"{vi.number(value)}%" if value else "chưa có kết quả khảo sát được công bố"
        limit = f"tối thiểu {vi.number(threshold)}%" if threshold else \
            "chưa có ngưỡng chính thức (chỉ ghi nhận, không quyết định)"
        reason = f"tỷ lệ hài lòng {shown}, dưới ngưỡng {limit}" if threshold else \
            "chưa có tỷ lệ hài lòng"
    else:
        name = c.get("name_vi") or c.get("id")
        shown = {"true": "Xã kê khai: bảo đảm", "false": "Xã kê khai: không bảo đảm"}.get(
            value, "Chưa kê khai")
        limit = "phải bảo đảm"
        reason = (f"xã đã kê khai không bảo đảm điều kiện “{name}”" if value == "false"
                  else f"xã chưa kê khai điều kiện “{name}”")
    return {"id": c.get("id"), "kind": kind, "name": name, "value": shown, "threshold": limit,
            "verdict": verdict, "verdict_label": VERDICTS.get(verdict, verdict or ""),
            "decisive": c.get("decisive", True), "provisional": bool(c.get("provisional")),
            "reason": reason}


def _floor_from_scores(criterion: dict) -> dict:
    """A criterion line of the record as a floor condition (what older decisions can show)."""
    name = f"{criterion.get('id')}" + (f": {criterion['name']}" if criterion.get("name") else "")
    if criterion.get("achieved") is not None:  # a pass/fail regime
        met = criterion["achieved"]
        return {"id": criterion.get("id"), "kind": "criterion", "name": name,
                "value": "Đạt" if met else "Không đạt", "threshold": "đạt",
                "verdict": "met" if met else "not_met",
                "verdict_label": VERDICTS["met" if met else "not_met"], "decisive": True,
                "provisional": False, "reason": f"tiêu chí {criterion.get('id')} không đạt"}
    met = criterion.get("meets_floor")
    return {"id": criterion.get("id"), "kind": "floor", "name": name,
            "value": f"{vi.number(criterion.get('points'))}/{vi.number(criterion.get('max'))} điểm",
            "threshold": f"điểm sàn {vi.number(criterion.get('floor'))} (50% điểm tối đa)",
            "verdict": "met" if met else ("not_met" if met is False else "missing_input"),
            "verdict_label": VERDICTS["met" if met else ("not_met" if met is False
                                                         else "missing_input")],
            "decisive": True, "provisional": False,
            "reason": (f"tiêu chí {criterion.get('id')} đạt {vi.number(criterion.get('points'))} "
                       f"điểm, dưới điểm sàn {vi.number(criterion.get('floor'))}")}

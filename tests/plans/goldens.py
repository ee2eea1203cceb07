"""The seed plans' expected fields, checked by hand against their text, and how many of the
fields present in each document the importer gets right (the table in docs/plans.md).

``python -m tests.plans.goldens --write`` rewrites the table between its markers in
docs/plans.md; tests/plans/test_seed_goldens.py fails when the table is out of date.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from services.plans.importer import import_plan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "plans.md"
BEGIN, END = "<!-- seed-accuracy:begin -->", "<!-- seed-accuracy:end -->"
PLAN_FIELDS = ("issuer", "number", "date", "place", "year", "title", "signer_name",
               "signer_position", "signer_on_behalf")
# A field the document does not give must be listed as this doubt, never guessed.
ABSENT_DOUBT = {"number": ("number_missing",), "date": ("date_missing",),
                "place": ("place_missing", "date_missing"), "year": ("year_missing",),
                "signer_name": ("signer_missing",),
                "signer_position": ("signer_position_missing", "signer_missing"),
                "lead": ("lead_missing",), "timeframe": ("timeframe_missing",)}


def seeds() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if not p.name.endswith(".expected.json"))


def golden(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def imported(name: str) -> dict:
    expected = golden(name)
    return import_plan((FIXTURES / name).read_text(encoding="utf-8"), name, expected["province_code"])


def projection(plan: dict) -> dict:
    """The fields a reviewer checks, as the golden files write them."""
    signer = plan["signer"]
    fields = {name: plan.get(name) for name in PLAN_FIELDS[:6]}
    fields.update({"signer_name": signer.get("name"), "signer_position": signer.get("position"),
                   "signer_on_behalf": [f"{b['mark']} {b['of']}" for b in signer.get("on_behalf", [])]
                   or None})
    tasks = {}
    for task in plan["tasks"]:
        timeframe = task["timeframe"]
        tasks[task["number"]] = {
            "lead": [a["id"] for a in task["lead_agencies"]] or None,
            "coordinating": [a["id"] for a in task["coordinating_agencies"]] or None,
            "timeframe": {"kind": timeframe["kind"], "due_dates": task["due_dates"]} if timeframe else None,
        }
    doubts = sorted([i["kind"], i["task"] or ""] for i in plan["review"]["issues"])
    return {"fields": fields, "tasks": tasks, "doubts": doubts}


# A field imported wrong must at least carry one of these doubts (on its task, if a task's).
WRONG_DOUBT = {"year": ("year_inferred",), "lead": ("agency_unmatched", "agency_levels_assumed"),
               "coordinating": ("agency_unmatched", "agency_levels_assumed"),
               "timeframe": ("timeframe_unknown", "timeframe_ambiguous")}


def score(name: str) -> dict:
    """Fields the document gives, how many imported right, the wrong ones a doubt points at,
    and the fields it does not give, each of which must be a doubt."""
    expected, actual = golden(name), projection(imported(name))
    counts = dict.fromkeys(("present", "right", "wrong_flagged", "wrong_silent", "absent", "flagged"), 0)
    doubts = {tuple(d) for d in actual["doubts"]}
    pairs = [(field, value, actual["fields"].get(field), "") for field, value in expected["fields"].items()]
    for number, task in expected["tasks"].items():
        got = actual["tasks"].get(number, {})
        pairs += [(field, value, got.get(field), number) for field, value in task.items()]
    for field, value, got, task in pairs:
        if value is not None:
            counts["present"] += 1
            if value == got:
                counts["right"] += 1
            elif any((kind, task) in doubts for kind in WRONG_DOUBT.get(field, ())):
                counts["wrong_flagged"] += 1
            else:
                counts["wrong_silent"] += 1
        elif field in ABSENT_DOUBT:
            counts["absent"] += 1
            counts["flagged"] += got is None and any((kind, task) in doubts for kind in ABSENT_DOUBT[field])
    return {"plan": name, **counts, "doubts": len(actual["doubts"]), "tasks": len(expected["tasks"]),
            "tasks_found": len(set(expected["tasks"]) & set(actual["tasks"]))}


def table() -> str:
    rows = ["| Seed | Tasks found | Fields present | Right | Wrong, flagged | Wrong, silent "
            "| Fields absent | Absent, flagged | Doubts listed |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name in seeds():
        s = score(name)
        rows.append(f"| `{name}` | {s['tasks_found']}/{s['tasks']} | {s['present']} | {s['right']} "
                    f"| {s['wrong_flagged']} | {s['wrong_silent']} | {s['absent']} | {s['flagged']} "
                    f"| {s['doubts']} |")
    return "\n".join(rows)


def documented() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the table in docs/plans.md")
    args = parser.parse_args()
    if args.write:
        text = DOCS.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        DOCS.write_text(f"{head}{BEGIN}\n{table()}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
    print(table())


if __name__ == "__main__":
    main()

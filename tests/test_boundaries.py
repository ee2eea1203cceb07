"""Services never import one another's modules: what several share — the legal rules, an
assessment's event names and fold — lives in ``rules/`` (or ``kernel/``, ``reference/``), and
what crosses RPC (the services' own refusals) in ``contracts/``: packages that say so. Each
service folder, the gateway's included, is read as source; an import of another service's
module anywhere in it, at the top or inside a function, fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir()
                  if p.is_dir() and not p.name.startswith("_"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "services":  # from services import survey
                found += [(node.lineno, f"services.{alias.name}") for alias in node.names]
    return found


def test_no_service_imports_another_services_modules():
    crossings = []
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            for line, module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    crossings.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert crossings == []


def crossings_from(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in sorted((ROOT / folder).rglob("*.py"))
            for line, module in imported_modules(path)
            if module.split(".")[0] in forbidden]


def test_the_gateway_imports_no_services_module():
    assert crossings_from("gateway", ("services",)) == []


@pytest.mark.parametrize("shared", ["rules", "contracts"])
def test_the_shared_packages_import_no_service(shared):
    assert crossings_from(shared, ("services", "gateway")) == []


def test_every_service_is_checked():
    assert {"accounts", "assessment", "plans", "publication", "survey"} <= set(SERVICES)

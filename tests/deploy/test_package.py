"""The wheel the Dockerfile installs carries every data file the services read at run time."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_migrations_static_pages_and_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300,
                   cwd=tmp_path)
    [wheel] = tmp_path.glob("tcpl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        *(f"kernel/migrations/versions/{p.name}" for p in (ROOT / "kernel/migrations/versions").glob("*.py")),
        "kernel/migrations/env.py", "kernel/migrations/script.py.mako",
        *(str(p.relative_to(ROOT)) for p in (ROOT / "gateway/static").rglob("*") if p.is_file()),
        *(str(p.relative_to(ROOT)) for p in (ROOT / "rules/criteria/data").glob("*.json")),
        *(str(p.relative_to(ROOT)) for p in (ROOT / "reference/data/legacy").glob("*.json")),
        *(str(p.relative_to(ROOT)) for p in (ROOT / "contracts").glob("*.py")),
    ]
    assert [name for name in expected if name not in names] == []

"""Rewrite the golden baseline: the exact per-replication metrics of short fixed runs.

Run only on purpose (``make golden``), after a change that is meant to change
results for a given seed; commit the new ``golden.json`` with a message that
says why the numbers moved.  ``test_golden.py`` fails on any other change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from golden_cases import CASES, compute  # noqa: E402


def main() -> None:
    """Compute every case and write golden.json."""
    out = {name: compute(name) for name in CASES}
    (HERE / "golden.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {HERE / 'golden.json'} ({len(out)} cases)")


if __name__ == "__main__":
    main()

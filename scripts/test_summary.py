#!/usr/bin/env python3
"""Adds up the results of every build tree's last `meson test` run into one closing line,
and names each skipped test with the reason it printed, so a skip is never silent."""
import json
import sys
from pathlib import Path

passed = failed = skipped = 0
for tree in sys.argv[1:]:
    # meson names the log after a --wrapper (testlog-setarch.json): take the newest one.
    logs = sorted((Path(tree) / "meson-logs").glob("testlog*.json"), key=lambda p: p.stat().st_mtime)
    if not logs:
        print(f"failed: {tree}: no test log (did its tests run?)")
        failed += 1
        continue
    log = logs[-1]
    for line in log.read_text().splitlines():
        t = json.loads(line)
        result = t.get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
            reason = next((l for l in (t.get("stdout") or "").splitlines() if "SKIP" in l), "no reason printed")
            print(f"skipped: {tree}: {t['name']}: {reason.strip()}")
        else:
            failed += 1
            print(f"failed: {tree}: {t['name']} ({result})")
print(f"xensnd: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)

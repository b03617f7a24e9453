"""Load every rule file of the pack with pySigma, as an existing Sigma user's tools would.

Usage: python scripts/sigma_check.py [rules-dir]
Prints one line per file (ok, or file: reason) and exits 1 on any error. Run through
scripts/sigma-check.sh, which prepares the virtualenv (.venv-sigma/).
"""

import sys
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError
from sigma.validation import SigmaValidator
from sigma.validators.core import validators

# The ATT&CK and D3FEND tag validators download MITRE data at run time (no network here).
# dangling_detection misreads nested conditions with pyparsing 3.3 (it flags SigmaHQ's own
# `selection and not filter`); Blindspot's loader refuses unreferenced selections itself.
SKIPPED = {"attacktag", "d3_fendtag", "dangling_detection"}


def check(path: Path, validator: SigmaValidator) -> list[str]:
    problems: list[str] = []
    try:
        collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"), collect_errors=True)
        collection.resolve_rule_references()
    except SigmaError as err:
        return [str(err)]
    for rule in collection.rules:
        for err in getattr(rule, "errors", []) or []:
            problems.append(f"{getattr(rule, 'title', '?')}: {err}")
    if not problems:
        for issue in validator.validate_rules(collection.rules):
            problems.append(f"{issue.severity.name.lower()}: {type(issue).__name__}: {issue}")
    return problems


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "rules")
    files = sorted(p for p in root.rglob("*.yml") if not p.name.endswith(".tests.yml"))
    if not files:
        print(f"sigma-check: no rule files under {root}")
        return 1
    chosen = [cls for name, cls in validators.items() if name not in SKIPPED]
    validator = SigmaValidator(chosen)
    failed = 0
    for path in files:
        problems = check(path, validator)
        if problems:
            failed += 1
            for p in problems:
                print(f"{path}: {p}")
    print(f"sigma-check: {len(files) - failed} passed, {failed} failed (pySigma {pysigma_version()})")
    return 1 if failed else 0


def pysigma_version() -> str:
    try:
        from importlib.metadata import version

        return version("pysigma")
    except Exception:
        return "from source"


if __name__ == "__main__":
    sys.exit(main())

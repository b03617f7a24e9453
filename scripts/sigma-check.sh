#!/usr/bin/env bash
# Every rule file under rules/ must load with pySigma (the reference Sigma library), so a Sigma
# user can take the pack into their SIEM. Prepares .venv-sigma/ (gitignored) on first use:
#   pip install pysigma                    (needs PyPI)
#   PYSIGMA_SRC=/path/to/pySigma checkout  (offline: its `sigma` package is put on the path,
#                                           dependencies from the configured pip indexes);
#   without PyPI, the vendored copy in vendor/pysigma (pySigma 1.5.0) is used that way.
# SIGMA_CHECK_OPTIONAL=1: when pySigma cannot be installed, say so and exit 0 (CI without PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-sigma
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
skip() {
  if [ "${SIGMA_CHECK_OPTIONAL:-}" = "1" ]; then echo "sigma-check: SKIPPED, $1"; exit 0; fi
  echo "sigma-check: $1" >&2; exit 1
}
if ! "$venv/bin/python" -c "import sigma.collection" 2>/dev/null; then
  if [ -z "${PYSIGMA_SRC:-}" ] && ! "$venv/bin/pip" install -q --retries 0 --timeout 10 pysigma 2>/dev/null; then
    PYSIGMA_SRC=vendor/pysigma
  fi
  if [ -n "${PYSIGMA_SRC:-}" ]; then
    "$venv/bin/pip" install -q --retries 0 --timeout 10 pyyaml pyparsing requests packaging jinja2 diskcache typing-extensions \
      || skip "pySigma's dependencies could not be installed (no package index)"
    site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    src=$(cd "$PYSIGMA_SRC" && pwd)
    [ -d "$src/sigma" ] || { echo "sigma-check: $src has no sigma/ package" >&2; exit 1; }
    echo "$src" > "$site/pysigma-src.pth"
  fi
  "$venv/bin/python" -c "import sigma.collection" 2>/dev/null || skip "pySigma could not be loaded"
fi
exec "$venv/bin/python" scripts/sigma_check.py rules

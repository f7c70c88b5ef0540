#!/usr/bin/env bash
# Build the one-file `photoshare` binary into dist/ on Linux, then print how long it took and how big it is.
#
#   packaging/build.sh            # incremental: reuses PyInstaller's cache in build/pyinstaller
#   packaging/build.sh --clean    # from scratch
#   PHOTOSHARE_COMPRESS=1 packaging/build.sh   # a smaller file that starts slower (see photoshare.spec)
#
# It uses the project's virtual environment (.venv, or $PYTHON) and installs the pinned build tools of
# pyproject.toml's `build` extra into it when they are missing. docs/packaging.md covers macOS and Windows.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
if [ ! -x "$PYTHON" ]; then
  echo "build.sh: no Python at $PYTHON; create the environment first:" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -q -e '.[build]'" >&2
  exit 1
fi

# The pins live in one place, pyproject.toml; install only what is missing or at another version.
missing=$("$PYTHON" - <<'EOF'
import tomllib
from importlib.metadata import PackageNotFoundError, version

with open("pyproject.toml", "rb") as handle:
    pins = tomllib.load(handle)["project"]["optional-dependencies"]["build"]
for pin in pins:
    name, wanted = pin.split("==")
    try:
        if version(name) == wanted:
            continue
    except PackageNotFoundError:
        pass
    print(pin)
EOF
)
if [ -n "$missing" ]; then
  echo "installing the build tools: $(echo $missing)"
  # shellcheck disable=SC2086  # one pin per word
  "$PYTHON" -m pip install -q $missing
fi
"$PYTHON" -c "import app.cli" 2>/dev/null || {
  echo "build.sh: PhotoShare is not installed in this environment: $PYTHON -m pip install -q -e ." >&2
  exit 1
}

clean=()
how="incremental"
if [ "${1:-}" = "--clean" ]; then
  clean=(--clean)
  how="clean"
fi

started=$(date +%s.%N)
"$PYTHON" -m PyInstaller --noconfirm "${clean[@]}" --log-level WARN \
  --distpath dist --workpath build/pyinstaller photoshare.spec
finished=$(date +%s.%N)

binary=dist/photoshare
bytes=$(stat -c %s "$binary")
seconds=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.0f", b - a }')
summary="built in ${seconds} s ($how) on $(date -u +%Y-%m-%d), $(uname -sm), $(nproc) cores"
# Beside the binary, for tests/packaging (which reuses an up-to-date binary) and for the curious.
echo "$summary" > "$binary.build.txt"
printf '%s: %s bytes (%s MiB), %s\n' "$binary" "$bytes" "$((bytes / 1048576))" "$summary"
"$binary" --version

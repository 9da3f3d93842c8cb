#!/usr/bin/env bash
# The README's first command, run literally as a new user would: in a copy of the
# project, inside a fresh virtual environment (so `pip install .` builds and installs
# the wheel, not an editable link), on a small PDF the tests generate, against the
# local fake LLM, with no GROBID (the built-in reader serves). Fails unless the
# Markdown, HTML and JSON outputs are written.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
command -v python >/dev/null 2>&1 || python() { python3 "$@"; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A copy of the project as a clone has it (tracked and new files, nothing ignored).
mkdir "$work/project"
git ls-files -z --cached --others --exclude-standard | tar --null -cf - -T - | tar -xf - -C "$work/project"
python -c 'import sys; from pathlib import Path; from tests.fixtures import make_paper_pdf; make_paper_pdf(Path(sys.argv[1]))' \
    "$work/project/paper.pdf"

python -m tests.servers.fake_llm --url-file "$work/llm-url" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/llm-url" ] && break; sleep 0.1; done
[ -s "$work/llm-url" ] || { echo "first-command smoke: the fake LLM did not start" >&2; exit 1; }

# The first line of the README's first bash block, exactly as printed there.
first_command="$(awk '/^```bash/{inside=1; next} inside{print; exit}' "$root/README.md")"
echo "first-command smoke: $first_command"

python -m venv "$work/venv"
(
    cd "$work/project"
    # shellcheck disable=SC1091
    source "$work/venv/bin/activate"
    OPENAI_BASE_URL="$(cat "$work/llm-url")"
    export OPENAI_API_KEY=sk-smoke-test OPENAI_BASE_URL
    export GROBID_URL=http://127.0.0.1:9 TRANSLATOR_CACHE_DIR="$work/cache" TRANSLATOR_CONFIG_DIR="$work/config"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_QUIET=1
    bash -euo pipefail -c "$first_command"
    for output in paper.zh.md paper.zh.html paper.zh.json; do
        [ -s "$output" ] || { echo "first-command smoke: $output was not written" >&2; exit 1; }
    done
    if pip show paper-translator 2>/dev/null | grep -qi '^Editable project location'; then
        echo "first-command smoke: the package was installed in editable mode" >&2
        exit 1
    fi
)
echo "first-command smoke: paper.zh.md, paper.zh.html and paper.zh.json written"

# Sourced by bin/demo and bin/test (not a command): finds Python 3.11+ and makes sure .venv is a
# working virtual environment of that Python, rebuilding it when it was made by another Python or
# left broken (a venv made without python3-venv has no pip and no activate script).

venv_say() { echo "$(basename "$0"): $*"; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

python_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

ensure_venv() {
  local python version problem=""
  if ! python=$(find_python); then
    echo "需要 Python 3.11 或更高版本，没有找到（python3：$(python3 --version 2>&1 || echo 未安装)）。" >&2
    echo "Debian 12 / Ubuntu 24.04：apt install python3 python3-venv；也可以用 PYTHON=/path/to/python3.12 指定。" >&2
    echo "Python 3.11+ is needed; none was found (set PYTHON=/path/to/python3.x to choose one)." >&2
    exit 1
  fi
  version=$(python_version "$python")
  if [ -e .venv ]; then
    if [ ! -x .venv/bin/python ] || [ -z "$(python_version .venv/bin/python)" ]; then
      problem="它的 Python 无法运行 (its Python does not run)"
    elif [ "$(python_version .venv/bin/python)" != "$version" ]; then
      problem="它由 Python $(python_version .venv/bin/python) 建立，现在用 Python $version (made by another Python)"
    elif [ ! -f .venv/bin/activate ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
      problem="它不完整，缺少 pip 或 activate，多半是建立时没有安装 python3-venv (incomplete)"
    fi
    if [ -n "$problem" ]; then
      venv_say "重建 .venv：$problem"
      rm -rf .venv
    fi
  fi
  if [ ! -e .venv ]; then
    venv_say "用 $python（Python $version）建立 .venv (creating .venv)"
    if ! "$python" -m venv .venv; then
      rm -rf .venv
      echo "无法建立 .venv：请先安装 python3-venv（Debian/Ubuntu：apt install python3-venv），再重新运行。" >&2
      echo "Could not create .venv: install python3-venv first, then run this again." >&2
      exit 1
    fi
  fi
}

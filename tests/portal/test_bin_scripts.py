"""bin/demo and bin/test find Python 3.11+ and rebuild a .venv made by another Python or left broken
(bin/_venv.sh), saying what they do. Fake interpreters stand in for the machines where this happened."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/bin/sh
case "$*" in
  *"sys.exit(0 if"*) exit {status} ;;
  *"%d.%d"*) echo {version} ;;
  "-m pip --version") {pip} ;;
  "-m venv .venv") exit 1 ;;  # as on Debian without python3-venv
esac
"""


def fake_python(path, version, pip="echo pip 24.0"):
    path.parent.mkdir(parents=True, exist_ok=True)
    status = 0 if tuple(map(int, version.split("."))) >= (3, 11) else 1
    path.write_text(FAKE_PYTHON.format(version=version, pip=pip, status=status))
    path.chmod(0o755)
    return path


def ensure_venv(cwd, python_version):
    bin_dir = cwd / "fakebin"
    fake_python(bin_dir / "python3", python_version)
    for tool in ("rm", "basename"):
        (bin_dir / tool).symlink_to(subprocess.check_output(["which", tool], text=True).strip())
    env = {"PATH": str(bin_dir), "HOME": str(cwd)}
    return subprocess.run(
        ["/bin/bash", "-c", f". {ROOT / 'bin' / '_venv.sh'}; ensure_venv; echo READY"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_an_old_python_is_named_and_nothing_is_built(tmp_path):
    result = ensure_venv(tmp_path, "3.9")
    assert result.returncode == 1 and "READY" not in result.stdout
    assert "需要 Python 3.11 或更高版本" in result.stderr and "python3：" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_of_another_python_is_rebuilt(tmp_path):
    fake_python(tmp_path / ".venv" / "bin" / "python", "3.11")
    (tmp_path / ".venv" / "bin" / "activate").write_text("")
    result = ensure_venv(tmp_path, "3.12")
    assert "重建 .venv：它由 Python 3.11 建立，现在用 Python 3.12" in result.stdout
    # Here the new one cannot be made (no python3-venv): said so, and no half-made .venv is left.
    assert result.returncode == 1 and "请先安装 python3-venv" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_without_pip_or_activate_is_rebuilt(tmp_path):
    fake_python(tmp_path / ".venv" / "bin" / "python", "3.12", pip="exit 1")
    result = ensure_venv(tmp_path, "3.12")
    assert "重建 .venv：它不完整，缺少 pip 或 activate" in result.stdout


def test_a_good_venv_is_kept(tmp_path):
    fake_python(tmp_path / ".venv" / "bin" / "python", "3.12")
    (tmp_path / ".venv" / "bin" / "activate").write_text("")
    result = ensure_venv(tmp_path, "3.12")
    assert result.returncode == 0 and "READY" in result.stdout and "重建" not in result.stdout
    assert (tmp_path / ".venv" / "bin" / "activate").exists()


def test_the_scripts_use_it_and_say_what_they_install():
    for script in ("demo", "test"):
        text = (ROOT / "bin" / script).read_text()
        assert ". bin/_venv.sh" in text and "ensure_venv" in text
        assert os.access(ROOT / "bin" / script, os.X_OK)
    test_script = (ROOT / "bin" / "test").read_text()
    assert test_script.index("约 500 MB") < test_script.index("apt-get update")

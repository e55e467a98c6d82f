"""The CLI entry point and data-path resolution."""

from __future__ import annotations

import pytest

from newsstance import __version__
from newsstance.cli import main
from newsstance.datapaths import ENV_VAR, data_dir


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_subcommand_required(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_data_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        data_dir()
    assert data_dir(required=False) is None


def test_no_top_level_training_or_inference_package(tmp_path):
    """Only ``newsstance.*`` is installed: run from a folder outside the source tree."""
    import subprocess
    import sys

    code = ("import importlib.util as u; import newsstance.inference, newsstance.training; "
            "print(u.find_spec('inference'), u.find_spec('training'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["None", "None"]

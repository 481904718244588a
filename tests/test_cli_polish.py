"""One version everywhere, ``tariff-stack hts``, and the progress of ``check``."""
import configparser
import copy
import json
import subprocess
import sys

import pytest
import yaml

import service
import service.cli
import service.cli.pricing
from conftest import CONTRACT, REPO
from service.cli import main
from service.engine.compile import compile_tables


@pytest.fixture(autouse=True)
def shared_tables(monkeypatch, tables):
    monkeypatch.setattr(service.cli, "load_tables", lambda: tables)


# ------------------------------------------------------------ one version


def test_the_package_version_is_the_one_in_the_contract_and_setup_cfg_reads_it():
    assert service.__version__ == yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["info"]["version"]
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    assert config["metadata"]["version"] == "attr: service.version.__version__"


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"tariff-stack {service.__version__}\n"


def test_healthz_carries_the_version(client):
    health = client.get("/healthz").get_json()
    assert health["version"] == service.__version__ and health["status"] == "ok"


@pytest.mark.slow  # a subprocess: the installed distribution's metadata
def test_installed_distribution_has_the_same_version():
    code = ("import importlib.metadata as m, json; d = m.distribution('tariff-stack'); "
            "u = json.loads(d.read_text('direct_url.json') or '{}'); "
            "print(json.dumps([d.version, u.get('dir_info', {}).get('editable', False), u.get('url', '')]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO / "tests")
    assert done.returncode == 0, done.stderr
    version, editable, url = json.loads(done.stdout)
    if editable and url != REPO.as_uri():
        pytest.skip(f"tariff-stack {version} is an editable install of another checkout ({url})")
    assert version == service.__version__


# ------------------------------------------------------------ tariff-stack hts


@pytest.mark.parametrize("prefix", ["8507.60", "850760", "8507.60.00", " 8507.6 "])
def test_hts_lists_covered_codes_under_a_prefix_in_any_dotted_form(capsys, prefix, tables):
    assert main(["hts", prefix]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["8507.60.00.10", "8507.60.00.20", "8507.60.00.30",
                                                       "8507.60.00.90"]
    code, description, unit = lines[3].split("\t")
    line = tables.lines["8507600090"]
    assert (description, unit) == (line.description, line.unit)


def test_hts_without_a_prefix_lists_every_covered_code(capsys, tables):
    assert main(["hts"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(tables.lines)


def test_hts_unknown_prefix_says_so_and_suggests(capsys):
    assert main(["hts", "8507.60.00.99"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("no covered HTS code starts with '8507.60.00.99'; the nearest covered: 8507.60.00.10, "
                            "8507.60.00.20, 8507.60.00.30, 8507.60.00.90\n")
    assert main(["hts", "8508"]) == 1
    assert "the nearest covered: 8504, 8507" in capsys.readouterr().err


def test_hts_refuses_a_prefix_that_is_not_digits(capsys):
    assert main(["hts", "85x7"]) == 2
    assert capsys.readouterr().err == "error: '85x7' is not an HTS code or prefix (digits, dotted or not)\n"


# ------------------------------------------------------------ check shows progress


def test_compile_tables_reports_progress_once_per_line(tables):
    few = copy.copy(tables)
    few.lines = {d: tables.lines[d] for d in ("8507600090", "76071130")}
    steps = []
    count = compile_tables(few, progress=steps.append)
    assert steps == [1, 1] and count > 0


def test_check_draws_a_bar_on_stderr_sized_to_the_lines(capsys, monkeypatch, tables):
    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.n = kwargs, 0
            bars.append(self)

        def update(self, n=1):
            self.n += n

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_compile(t, progress=None):
        for _ in t.lines:
            progress(1)
        return 7

    monkeypatch.setattr(service.cli.pricing, "tqdm", Bar)          # check's module (service/cli/pricing.py)
    monkeypatch.setattr(service.cli.pricing, "compile_tables", fake_compile)
    assert main(["check"]) == 0
    (bar,) = bars
    assert bar.kwargs["file"] is sys.stderr and bar.kwargs["total"] == len(tables.lines) == bar.n
    assert bar.kwargs["disable"] is None   # drawn on a terminal, not in a pipe or a log
    assert "compiled 7 line/origin/date quotes" in capsys.readouterr().out
    main(["check", "--no-progress"])
    assert bars[1].kwargs["disable"] is True

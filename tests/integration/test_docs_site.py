"""dbt's documentation site for analysts: generated from a built warehouse, served over HTTP,
and without the pseudonym key."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from orchestration.publish import docs

pytestmark = pytest.mark.integration

KEY = "test-only-pseudonym-key-must-not-be-served-5f1c"


@pytest.fixture(scope="module")
def site(built_warehouse, tmp_path_factory):
    """`inburgering docs --no-serve` on a copy of the session's warehouse, with a pseudonym key set."""
    from orchestration.cli import app

    root = tmp_path_factory.mktemp("docs")
    warehouse = root / "inburgering.duckdb"
    shutil.copy2(built_warehouse, warehouse)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INBURGERING_DUCKDB_PATH", str(warehouse))
        patch.setenv("INBURGERING_PSEUDONYM_KEY", KEY)
        result = CliRunner().invoke(app, ["docs", "--no-serve", "--target", str(root / "site")])
    assert result.exit_code == 0, result.output
    return root / "site"


def test_generate_writes_the_site_with_the_warehouse_catalog(site):
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (site / name).is_file(), name
    catalog = json.loads((site / "catalog.json").read_text())
    fct = catalog["nodes"]["model.inburgering.fct_respondent"]
    assert fct["metadata"]["schema"] == "marts" and "respondent_key" in fct["columns"]
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["nodes"]["model.inburgering.fct_respondent"]["description"]


def test_the_site_does_not_hold_the_pseudonym_key(site):
    leaking = [path.name for path in site.rglob("*") if path.is_file() and KEY.encode() in path.read_bytes()]
    assert not leaking, f"the docs folder is served as a whole; these files hold the key: {leaking}"


def test_generate_without_a_warehouse_names_the_file(tmp_path):
    with pytest.raises(docs.DocsFailed, match=rf"{re.escape(str(tmp_path / 'missing.duckdb'))}: no warehouse file"):
        docs.generate(tmp_path / "missing.duckdb", tmp_path / "site")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_http(site):
    port = _free_port()
    server = subprocess.Popen(docs.serve_command(site, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, status, body = time.monotonic() + 60, None, b""
        while time.monotonic() < deadline and status is None:
            assert server.poll() is None, "dbt docs serve exited"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status, body = response.status, response.read()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        assert status == 200
        assert b"dbt" in body.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/catalog.json", timeout=5) as response:
            assert "model.inburgering.fct_respondent" in json.loads(response.read())["nodes"]
    finally:
        server.kill()
        server.wait(timeout=30)

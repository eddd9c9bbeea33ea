"""The report's pages are drawn again only when what they are drawn from changed: a refresh with
the same marts leaves every page as it was (and says so), a changed mart redraws the pages that
read it and no others, and a page changed by hand is drawn again."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from orchestration.publication import data

pytestmark = pytest.mark.integration


def _files(directory: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under the publication folder: (modification time in ns, bytes)."""
    return {path.relative_to(directory).as_posix(): (path.stat().st_mtime_ns, path.read_bytes())
            for path in sorted(directory.rglob("*")) if path.is_file()}


def _materialise() -> dict:
    from orchestration.assets.publication import publication_report
    from orchestration.resources import default_resources

    result = materialize([publication_report], resources=default_resources())
    assert result.success
    return result.get_asset_materialization_events()[0].materialization.metadata


@pytest.fixture
def asset_run(built_warehouse, tmp_path, monkeypatch):
    """A copy of the built warehouse (the test changes a mart) and outputs of the test's own."""
    database = tmp_path / "inburgering.duckdb"
    shutil.copy2(built_warehouse, database)
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(database))
    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setattr(data, "MAX_QUESTIONS", 2)  # small pages: the full ones are the session fixture's
    return database, tmp_path / "outputs" / "publication"


def test_pages_are_redrawn_only_when_their_inputs_change(asset_run):
    database, directory = asset_run
    first = _materialise()
    pages = sorted(path.name for path in directory.glob("*.*.html"))
    # the demo has metingen 2023 and 2024: two meting pages and one comparison, each in two languages
    assert pages == ["meting-2023.en.html", "meting-2023.nl.html", "meting-2024.en.html", "meting-2024.nl.html",
                     "vergelijking-2023-2024.en.html", "vergelijking-2023-2024.nl.html"]
    assert (first["page_count"].value, first["pages_drawn"].value, first["pages_skipped"].value) == (6, 6, 0)
    before = _files(directory)

    # nothing changed: no page drawn, no file written (not even the index), and the metadata says so
    second = _materialise()
    assert (second["page_count"].value, second["pages_drawn"].value, second["pages_skipped"].value) == (6, 0, 6)
    for page in pages:
        assert f"`{page}`: skipped, inputs unchanged" in second["skipped"].value
    assert second["tables"].value == first["tables"].value > 0
    assert second["csv_files"].value == first["csv_files"].value == len(list(directory.glob("*/*.csv")))
    assert _files(directory) == before

    # one meting's distribution changes in the mart: its two pages are drawn again, nothing else
    with duckdb.connect(str(database)) as con:
        con.execute("update marts.mart_route_cohort set respondents = respondents + 1 "
                    "where meting = 2024 and breakdown = 'group'")
    third = _materialise()
    assert (third["pages_drawn"].value, third["pages_skipped"].value) == (2, 4)
    after = _files(directory)
    redrawn = {name for name in before if after[name][0] != before[name][0]}
    assert {name for name in redrawn if name.endswith(".html")} == {"meting-2024.en.html", "meting-2024.nl.html"}
    assert all(name.startswith("meting-2024.") or name == ".pages.json" for name in redrawn)


def test_a_page_changed_by_hand_is_drawn_again(asset_run):
    _, directory = asset_run
    _materialise()
    page = directory / "meting-2023.nl.html"
    drawn = page.read_bytes()
    page.write_text("edited by hand", encoding="utf-8")
    (directory / "vergelijking-2023-2024.en.html").unlink()
    metadata = _materialise()
    assert (metadata["pages_drawn"].value, metadata["pages_skipped"].value) == (2, 4)
    assert page.read_bytes() == drawn
    assert (directory / "vergelijking-2023-2024.en.html").exists()

"""The scheduled refresh meets refused exports: it must go on with what lands.

The real chain in a temporary folder: seven generated exports already landed, then the
landing folder receives the eighth (good, new), a corrected re-export of a landed one without
--replace (the file that used to fail every morning's refresh until someone deleted it) and a
damaged file. The `refresh_warehouse` job, materialised in process by Dagster with the
project's own definitions: it succeeds, every stage runs (dbt, analyses, report, snapshot),
the new export reaches the marts, both bad files are in the quarantine folder with a reason,
raw.load_log says so, and Dagster records the failed check on the landing log.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance
from helpers.landing import fingerprint, load_log, re_export

from orchestration.landing.loader import land_files

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NEW = "perspectief_2024_wi2021_gezin.sav"
CORRECTED = "perspectief_2024_wi2021_asiel_herzien.sav"
DAMAGED = "perspectief_2023_wi2013_gezin_kapot.sav"
ASIEL = "raw.export_2024_wi2021_asiel"


def test_a_refresh_lands_the_good_export_sets_the_bad_ones_aside_and_finishes(workspace, generated, harmonised):
    _, paths = generated
    by_name = {path.name: path for path in paths}
    landing, db = workspace["landing"], workspace["duckdb"]
    land_files(db, [path for name, path in by_name.items() if name != NEW], landing_dir=landing)
    landing.mkdir(parents=True, exist_ok=True)
    shutil.copy2(by_name[NEW], landing / NEW)
    re_export(by_name["perspectief_2024_wi2021_asiel.sav"], landing / CORRECTED)
    (landing / DAMAGED).write_bytes(by_name["perspectief_2023_wi2013_gezin.sav"].read_bytes()[:2000])
    asiel_before, attempts = fingerprint(db)[ASIEL], len(load_log(db))

    from orchestration.definitions import defs

    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("refresh_warehouse").execute_in_process(instance=instance, raise_on_error=False)

    assert result.success, [e.event_specific_data.error.message for e in result.all_events if e.is_step_failure]
    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    for key in (["raw", "export_2024_wi2021_gezin"], ["raw", "load_log"], ["marts", "fct_respondent"],
                ["analysis", "regression_coefficients"], ["outputs", "publication_report"], ["published", "snapshot"]):
        assert AssetKey(key) in materialised, key

    checks = result.get_asset_check_evaluations()
    [landed] = [check for check in checks if check.check_name == "exports_landed"]
    assert landed.asset_key == AssetKey(["raw", "load_log"]) and not landed.passed
    assert landed.severity == AssetCheckSeverity.ERROR
    assert landed.description.startswith(f"2 of 3 export(s) not landed: {DAMAGED} (quarantined); "
                                         f"{CORRECTED} (quarantined)")  # in the order of their names
    assert "already holds a different version" in landed.metadata["problems"].value
    assert "not a readable SPSS file" in landed.metadata["problems"].value
    dbt_checks = [check for check in checks if check.asset_key.path[0] in ("staging", "intermediate", "marts")]
    assert dbt_checks and all(check.passed for check in dbt_checks), \
        [check.check_name for check in dbt_checks if not check.passed]
    assert instance.get_run_by_id(result.run_id).tags["landing/not_landed"] == "2"

    log = load_log(db).iloc[attempts:]
    assert dict(zip(log["file"], log["status"])) == {DAMAGED: "quarantined", CORRECTED: "quarantined", NEW: "loaded"}
    assert len(log) == 3
    for name in (CORRECTED, DAMAGED):
        assert not (landing / name).exists() and (landing / "quarantine" / f"{name}.reason.txt").exists()
    assert fingerprint(db)[ASIEL] == asiel_before
    with duckdb.connect(str(db), read_only=True) as con:
        facts = dict(con.execute("select meting, count(*) from marts.fct_respondent group by 1").fetchall())
        gezin = con.execute("select count(*) from marts.fct_respondent "
                            "where meting = 2024 and questionnaire = 'Wi2021-gezin'").fetchone()[0]
    assert facts == {meting: len(frame) for meting, frame in harmonised.items()}
    assert gezin == 1768  # Tabel 2.9

"""`trustpulse import`: files of responses into a live suite, every row checked first."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from services import cli
from services.importer import Importer, ImportFailed
from tests.conftest import ADMIN_KEY
from tests.survey.conftest import PULSE_ANSWERS

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
QUESTIONS = list(PULSE_ANSWERS)
START = datetime(2026, 1, 5, 9, 0)


def _survey(suite) -> int:
    answer = suite.client.post("/api/v1/surveys", headers=ADMIN, json={
        "title": "History", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department"]})
    assert answer.status_code == 201
    return answer.get_json()["id"]


def _write_csv(path: Path, rows: int, *, bad: dict[int, dict] | None = None) -> Path:
    """Write `rows` valid data rows; `bad` replaces some (by data row index) with others."""
    rng = random.Random(5)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["submitted_at", "department", *QUESTIONS])
        for i in range(rows):
            answers = {**PULSE_ANSWERS, "job_security": rng.randint(1, 5),
                       "recommend_workplace": rng.randint(0, 10)}
            row = {"submitted_at": (START + timedelta(minutes=2 * i)).isoformat() + "Z",
                   "department": rng.choice(("Support", "Sales", "Care")), **answers}
            row.update((bad or {}).get(i, {}))
            writer.writerow([row["submitted_at"], row["department"],
                             *(row[q] for q in QUESTIONS)])
    return path


def _stored(suite) -> int:
    engine = suite.servers["survey"].app.extensions["trustpulse_engine"]
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM responses")).scalar_one()


def _environment(suite) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTPULSE_")}
    return {**env, "TRUSTPULSE_URL": suite.url("gateway"), "TRUSTPULSE_API_KEY": ADMIN_KEY}


def test_a_100000_row_csv_is_imported_whole(suite, tmp_path):
    """The command itself, on 100,000 rows (about 15 s on SQLite, 10 s on PostgreSQL)."""
    survey_id = _survey(suite)
    path = _write_csv(tmp_path / "history.csv", 100_000)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "import", "--survey", str(survey_id), str(path)],
        env=_environment(suite), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "imported 100000 responses"
    assert _stored(suite) == 100_000
    scores = suite.client.get(f"/api/v1/surveys/{survey_id}/scores?metric=index:ai_trust"
                              "&period=month&from=2026-01-05&to=2026-03-01", headers=ADMIN)
    assert scores.status_code == 200 and scores.get_json()["series"][0]["n"] > 0


def test_every_bad_row_is_named_by_its_line_and_nothing_is_stored(suite, tmp_path, monkeypatch,
                                                                    capsys):
    survey_id = _survey(suite)
    bad = {1: {"recommend_workplace": 11}, 2_500: {"submitted_at": "yesterday"}, 4_999: {"job_security": 9}}
    path = _write_csv(tmp_path / "bad.csv", 5_000, bad=bad)
    monkeypatch.setenv("TRUSTPULSE_URL", suite.url("gateway"))
    monkeypatch.setenv("TRUSTPULSE_API_KEY", ADMIN_KEY)
    code = cli.main(["import", "--survey", str(survey_id), "--batch-rows", "1000", str(path)])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    # Data row i is on line i + 2 (after the header).
    assert [line for line in err if line.startswith(("line", "trustpulse import: line"))] == [
        ("trustpulse import: line 3: answers.recommend_workplace: Must be greater than or equal to 0 and less "
        "than or equal to 10."),
        "line 2502: submitted_at: Not a valid datetime.",
        ("line 5001: answers.job_security: Must be greater than or equal to 1 and less than or "
        "equal to 5.")]
    assert err[-1] == f"3 bad row(s) in {path}; nothing was imported."
    assert _stored(suite) == 0


def test_a_json_list_is_imported(suite, tmp_path, monkeypatch, capsys):
    survey_id = _survey(suite)
    rows = [{"submitted_at": "2026-02-02T10:00:00Z", "segment": {"department": "Care"},
             "answers": PULSE_ANSWERS}] * 3
    path = tmp_path / "history.json"
    path.write_text(json.dumps(rows))
    monkeypatch.setenv("TRUSTPULSE_URL", suite.url("gateway"))
    monkeypatch.setenv("TRUSTPULSE_API_KEY", ADMIN_KEY)
    assert cli.main(["import", "--survey", str(survey_id), str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "imported 3 responses"
    assert _stored(suite) == 3
    monkeypatch.setenv("TRUSTPULSE_API_KEY", "tp_wrong")
    assert cli.main(["import", "--survey", str(survey_id), str(path)]) == 1
    assert "401" in capsys.readouterr().err
    monkeypatch.setenv("TRUSTPULSE_API_KEY", ADMIN_KEY)
    columns = tmp_path / "columns.csv"
    columns.write_text("submitted_at,salary\n2026-02-02T10:00:00Z,high\n")
    assert cli.main(["import", "--survey", str(survey_id), str(columns)]) == 1
    assert "Unknown column 'salary'" in capsys.readouterr().err


def test_a_file_over_one_request_goes_in_batches_and_says_where_it_stopped(suite, tmp_path):
    survey_id = _survey(suite)
    path = _write_csv(tmp_path / "big.csv", 3_000)
    small_limit = path.stat().st_size // 2  # as if the file were over 50 MiB
    importer = Importer(suite.url("gateway"), ADMIN_KEY, survey_id, path, batch_rows=1_000,
                        request_limit=small_limit)
    assert importer.run() == 3_000 and _stored(suite) == 3_000

    class SurveyStopsAfterOneBatch(Importer):
        """The survey service goes away after the first batch is stored."""

        def _send(self, body, *, dry_run):
            answer = super()._send(body, dry_run=dry_run)
            if not dry_run:
                suite.stop("survey")
            return answer

    other = _survey(suite)
    stopping = SurveyStopsAfterOneBatch(suite.url("gateway"), ADMIN_KEY, other, path,
                                        batch_rows=1_000, request_limit=small_limit)
    try:
        stopping.run()
    except ImportFailed as exc:
        message = str(exc)
    assert "the suite answered 503" in message
    assert ("Stopped at the batch starting at line 1002: the 1000 responses before it were "
            "imported, it and the rest were not.") in message


def test_an_import_may_take_longer_than_other_calls_through_the_gateway(settings_factory,
                                                                         tmp_path):
    from tests.conftest import start_suite

    # Every other call gives the backend 0.2 s; 20,000 rows take the survey service longer.
    suite = start_suite(settings_factory(read_timeout=0.2))
    try:
        path = _write_csv(tmp_path / "slow.csv", 20_000)
        assert Importer(suite.url("gateway"), ADMIN_KEY, _survey(suite), path).run() == 20_000
    finally:
        suite.shutdown()

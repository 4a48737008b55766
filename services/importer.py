"""`trustpulse import --survey ID FILE`: historical responses into a running suite.

The file (CSV with the import endpoint's columns, or JSON: `{"responses": [...]}` or a
bare list) goes through the public import endpoint in batches. First every batch is
checked with `?dry_run=true`, which stores nothing, and every bad row is reported with its
line; only a file with none is imported. A file that fits in one request (50 MiB) is then
imported in one request: all of it or none. A larger one is imported batch by batch, each
all or nothing; should one fail then (the suite stopped, the survey was deleted), the
command says which rows were stored and which were not.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from tqdm import tqdm

URL_VARIABLE = "TRUSTPULSE_URL"
KEY_VARIABLE = "TRUSTPULSE_API_KEY"
DEFAULT_URL = "http://127.0.0.1:8000"
REQUEST_LIMIT = 50 * 1024 * 1024
BATCH_ROWS = 10_000
# A batch is cut before its body reaches this, whatever its row count.
BATCH_BYTES = 8 * 1024 * 1024
TIMEOUT = (10.0, 600.0)


class ImportFailed(Exception):
    """The import stopped; the message says why, for a person to read."""


@dataclass
class Batch:
    """Rows of the file sent in one request, and where each came from."""

    body: bytes
    sources: list[str]  # per row: "line 12" (CSV) or "responses[3]" (JSON)

    @property
    def rows(self) -> int:
        return len(self.sources)


def csv_batches(path: Path, batch_rows: int) -> Iterator[Batch]:
    """Yield the data rows of a CSV file in batches, each with the header row."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, strict=True)
        try:
            header = next(reader, None)
            if not header:
                raise ImportFailed(f"{path} is empty: a CSV import needs a header row.")
            out, sources, size = _csv_buffer(header), [], 0
            for values in reader:
                if not any(values):
                    continue  # the endpoint skips blank lines too
                out[1].writerow(values)
                sources.append(f"line {reader.line_num}")
                size = out[0].tell()
                if len(sources) >= batch_rows or size >= BATCH_BYTES:
                    yield Batch(out[0].getvalue().encode(), sources)
                    out, sources = _csv_buffer(header), []
        except csv.Error as exc:
            raise ImportFailed(f"{path}, line {reader.line_num}: {exc}.") from None
        except UnicodeDecodeError:
            raise ImportFailed(f"{path} is not UTF-8.") from None
        if sources:
            yield Batch(out[0].getvalue().encode(), sources)


def _csv_buffer(header: list[str]):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    return text, writer


def json_batches(path: Path, batch_rows: int) -> Iterator[Batch]:
    """Yield the responses of a JSON file (read whole) in batches of the endpoint's shape."""
    import orjson

    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ImportFailed(f"{path} is not valid JSON: {exc}.") from None
    rows = document.get("responses") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise ImportFailed(f'{path} must hold {{"responses": [...]}} or a list of responses.')
    start = 0
    while start < len(rows):
        end, size = start, 0
        while end < len(rows) and end - start < batch_rows and size < BATCH_BYTES:
            size += len(orjson.dumps(rows[end]))
            end += 1
        yield Batch(orjson.dumps({"responses": rows[start:end]}),
                    [f"responses[{i}]" for i in range(start, end)])
        start = end


class Importer:
    """Send a file's batches to the import endpoint of one survey."""

    def __init__(self, url: str, api_key: str, survey_id: int, path: Path, *,
                 batch_rows: int = BATCH_ROWS, request_limit: int = REQUEST_LIMIT):
        self.endpoint = f"{url.rstrip('/')}/api/v1/surveys/{survey_id}/responses/import"
        self.path = path
        self.batch_rows = batch_rows
        self.request_limit = request_limit
        self.is_csv = path.suffix.lower() == ".csv"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.session.headers["Content-Type"] = "text/csv" if self.is_csv else "application/json"

    def batches(self) -> Iterator[Batch]:
        """Yield the file's batches (read again at each call)."""
        read = csv_batches if self.is_csv else json_batches
        return read(self.path, self.batch_rows)

    def run(self) -> int:
        """Check every row, then import them all; return how many were imported."""
        rows = self.check()
        # The JSON list may be wrapped in {"responses": ...}: a few bytes more.
        if self.path.stat().st_size + 16 <= self.request_limit:
            with _progress("importing", rows) as bar:
                imported = self._send(self._whole_body(), dry_run=False)["imported"]
                bar.update(imported)
            return imported
        return self._import_in_batches(rows)

    def check(self) -> int:
        """Dry-run every batch; return how many rows there are, or raise naming each bad one."""
        rows, bad, problems = 0, 0, []
        with _progress("checking", None) as bar:
            for batch in self.batches():
                try:
                    self._send(batch.body, dry_run=True)
                except RowsRefused as refused:
                    problems += refused.lines(batch)
                    bad += refused.count()
                rows += batch.rows
                bar.update(batch.rows)
        if problems:
            listed = "" if bad == len(problems) else f" ({len(problems)} listed above)"
            summary = f"{bad} bad row(s) in {self.path}{listed}; nothing was imported."
            raise ImportFailed("\n".join([*problems, summary]))
        if not rows:
            raise ImportFailed(f"{self.path} holds no responses; nothing was imported.")
        return rows

    def _whole_body(self) -> bytes:
        """Return the file as one request's body: as it is, a bare JSON list wrapped."""
        body = self.path.read_bytes()
        if not self.is_csv and body.lstrip().startswith(b"["):
            return b'{"responses":' + body + b"}"
        return body

    def _import_in_batches(self, rows: int) -> int:
        imported = 0
        with _progress("importing", rows) as bar:
            for batch in self.batches():
                try:
                    imported += self._send(batch.body, dry_run=False)["imported"]
                except (ImportFailed, RowsRefused) as exc:
                    first = batch.sources[0]
                    raise ImportFailed(
                        f"{exc}\nStopped at the batch starting at {first}: the {imported} "
                        f"responses before it were imported, it and the rest were not. "
                        f"Import the rest from {first} on.") from None
                bar.update(batch.rows)
        return imported

    def _send(self, body: bytes, *, dry_run: bool) -> dict:
        try:
            answer = self.session.post(self.endpoint, data=body, timeout=TIMEOUT,
                                       params={"dry_run": "true"} if dry_run else None)
        except requests.RequestException as exc:
            raise ImportFailed(f"cannot reach the suite at {self.endpoint}: "
                               f"{type(exc).__name__}.") from None
        if answer.status_code in (200, 201):
            return answer.json()
        error = _error_of(answer)
        if answer.status_code == 422 and _row_errors(error):
            raise RowsRefused(error)
        raise ImportFailed(f"the suite answered {answer.status_code}: "
                           f"{error.get('message') or answer.reason}" + _details(error))


class RowsRefused(Exception):
    """A 422 naming bad rows of one batch."""

    def __init__(self, error: dict):
        super().__init__(error.get("message", ""))
        self.error = error

    def count(self) -> int:
        """Return how many rows the suite found bad (it lists the first hundred only)."""
        said = re.match(r"(\d+) row", self.error.get("message", ""))
        return int(said.group(1)) if said else len({k.split(".")[1]
                                                    for k in _row_errors(self.error)})

    def lines(self, batch: Batch) -> list[str]:
        """Return one message per bad row, naming its place in the file."""
        by_row: dict[int, list[str]] = {}
        for key, messages in _row_errors(self.error).items():
            _, index, *field = key.split(".")
            text = "; ".join(messages) if isinstance(messages, list) else str(messages)
            by_row.setdefault(int(index), []).append(f"{'.'.join(field) or 'row'}: {text}")
        return [f"{batch.sources[i]}: " + "; ".join(by_row[i]) for i in sorted(by_row)]


def _row_errors(error: dict) -> dict:
    details = error.get("details") or {}
    return {key: value for key, value in details.items()
            if key.split(".")[0] in ("rows", "responses") and key.count(".") >= 1
            and key.split(".")[1].isdigit()}


def _error_of(answer: requests.Response) -> dict:
    try:
        return answer.json().get("error") or {}
    except (ValueError, AttributeError):
        return {}


def _details(error: dict) -> str:
    details = error.get("details") or {}
    return "".join(f"\n  {key}: {'; '.join(map(str, value)) if isinstance(value, list) else value}"
                   for key, value in details.items())


def _progress(phase: str, total: int | None) -> tqdm:
    # On a terminal only: a log or a pipe gets the final line alone.
    return tqdm(total=total, desc=phase, unit=" rows", file=sys.stderr, disable=None,
                leave=False)


def command_import(args) -> int:
    """Run `trustpulse import`; report every problem, then exit 1, or print the count."""
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        print(f"trustpulse import: set {KEY_VARIABLE} to an admin or integration API key.",
              file=sys.stderr)
        return 1
    path = Path(args.file)
    if path.suffix.lower() not in (".csv", ".json") or not path.is_file():
        print(f"trustpulse import: {path} is not a .csv or .json file.", file=sys.stderr)
        return 1
    url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    try:
        imported = Importer(url, key, args.survey, path, batch_rows=args.batch_rows).run()
    except ImportFailed as exc:
        print(f"trustpulse import: {exc}", file=sys.stderr)
        return 1
    print(f"imported {imported} responses")
    return 0


def add_import_command(commands) -> None:
    """Add `import` to the `trustpulse` subcommands."""
    parser = commands.add_parser(
        "import", help="import a CSV or JSON file of responses into a running suite",
        description=f"Import responses through the gateway at ${URL_VARIABLE} "
                    f"(default {DEFAULT_URL}) with the API key in ${KEY_VARIABLE}.")
    parser.add_argument("--survey", type=int, required=True, help="the survey's id")
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS,
                        help=f"rows per request (default {BATCH_ROWS})")
    parser.add_argument("file", help="FILE.csv or FILE.json")
    parser.set_defaults(run=command_import)

"""Jobs: launch judge runs, exports, DPO training and re-evaluation as background processes; watch their
progress, loss and logs (polled from the store); cancel them. Jobs outlive the TUI: they are rows in `runs`.
"""

from __future__ import annotations

import shlex
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Log, ProgressBar, Sparkline, Static

from db.models import Run
from kcc_tui import jobs
from kcc_tui.literal import one_line, visible
from kcc_tui.screens.modals import ConfirmModal, DetailModal, FormModal
from kcc_tui.stats import sparkline
from kcc_tui.stylesheet import StyledOnMount
from kcc_tui.widgets.footer import KeyFooter

STATUS_STYLE = {"running": "bold cyan", "pending": "cyan", "done": "green", "failed": "bold red",
                "cancelled": "yellow", "interrupted": "bold yellow"}
POLL_S = 1.0


def job_form(kind: str, db: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Title and fields of the launch form of one job kind (defaults next to the store)."""
    stem = db.rsplit(".", 1)[0]
    if kind == "judge":
        return "Start a judge run (kcc-judge run)", [
            ("out", "output folder", f"{stem}-judge"),
            ("extra", "extra arguments (e.g. --model openai:gpt-4.1-mini --limit 100)", "")]
    if kind == "export":
        return "Export pairs (kcc export)", [
            ("out", "output file (.jsonl or .parquet)", f"{stem}-pairs.jsonl"),
            ("extra", "extra arguments (e.g. --reviewed-only --min-margin 0.1)", "")]
    if kind == "train":
        return "DPO training (kcc-train dpo)", [
            ("config", "training config (TOML)", "run.toml"),
            ("extra", "extra arguments", "")]
    if kind == "eval":
        return "Re-evaluation (kcc-train eval)", [
            ("args", "arguments (e.g. --model out/model --baseline base --out eval)", "--model out/model --out eval")]
    raise ValueError(f"unknown job kind {kind!r}")


def spec_from_form(kind: str, db: str, values: dict[str, str]) -> jobs.JobSpec:
    extra = shlex.split(values.get("extra", ""))
    if kind == "judge":
        return jobs.judge_spec(db, values.get("out") or None, extra=extra)
    if kind == "export":
        return jobs.export_spec(db, values.get("out") or None, extra=extra)
    if kind == "train":
        return jobs.train_spec(db, values["config"], extra=extra)
    if kind == "eval":
        return jobs.eval_spec(db, shlex.split(values.get("args", "")))
    raise ValueError(f"unknown job kind {kind!r}")


def _when(iso: str) -> str:
    """`2026-01-01T09:30:00+00:00` -> `2026-01-01 09:30:00Z` (the store keeps UTC)."""
    return iso.replace("T", " ").replace("+00:00", "Z")


def progress_text(run: Run) -> str:
    if run.progress_total:
        return f"{run.progress_done:,}/{run.progress_total:,}"
    return f"{run.progress_done:,}" if run.progress_done else ""


class JobsScreen(StyledOnMount, Screen[None]):
    # below 120 columns the run list goes above the details: side by side it hid the status and progress
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("j", "start('judge')", "Judge", id="start_judge"),
        Binding("e", "start('export')", "Export", id="start_export"),
        Binding("d", "start('train')", "DPO", id="start_train"),
        Binding("v", "start('eval')", "Eval", id="start_eval"),
        Binding("x", "cancel_job", "Cancel job", id="cancel_job"),
        Binding("r", "report", "Report", id="job_report"),
        Binding("ctrl+r", "poll", "Refresh", id="jobs_refresh"),
        Binding("escape", "back", "Back", id="jobs_back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []
        self.selected: str | None = None
        self._signature: tuple[Any, ...] = ()
        self._log_after = 0
        self._log_run: str | None = None
        self._file_pos = 0  # how far the job's output file has been shown
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="jobs-body"):
            yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            with Vertical(id="job-detail"):
                yield Static("no job selected", id="job-info", markup=False)
                yield ProgressBar(id="job-progress", show_eta=False)
                yield Static("", id="loss-label", markup=False)
                yield Sparkline([], id="job-loss")
                yield Log(id="job-log", max_lines=2000)
        yield KeyFooter()

    @property
    def store(self):  # noqa: ANN201
        return self.app.store  # type: ignore[attr-defined]

    @property
    def launcher(self) -> jobs.Launcher:
        return self.app.launcher  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.sub_title = f"{self.app.db_path.name} · Jobs"  # type: ignore[attr-defined]
        table = self.query_one("#runs", DataTable)
        for label, key in (("run", "id"), ("kind", "kind"), ("status", "status"), ("progress", "progress")):
            table.add_column(label, key=key)
        self.action_poll()
        self._timer = self.set_interval(POLL_S, self.action_poll)

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self.action_poll()

    # -- polling ------------------------------------------------------------------------------------------
    def action_poll(self) -> None:
        self.launcher.reconcile()
        self.runs = self.store.list_runs(limit=100)
        sig = tuple((r.id, r.status, r.progress_done, r.progress_total) for r in self.runs)
        if sig != self._signature:
            self._signature = sig
            self._fill_table()
        self._show_detail()

    def _fill_table(self) -> None:
        table = self.query_one("#runs", DataTable)
        keep = self.selected
        table.clear()
        for r in self.runs:
            table.add_row(Text(one_line(r.id, 26)), Text(r.kind), Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                          Text(progress_text(r)), key=r.id)
        if self.runs:
            ids = [r.id for r in self.runs]
            if keep not in ids:
                keep = ids[0]
            self.selected = keep
            table.move_cursor(row=ids.index(keep))

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value != self.selected:
            self.selected = event.row_key.value
            self._show_detail()

    def _show_detail(self) -> None:
        run = next((r for r in self.runs if r.id == self.selected), None)
        info = self.query_one("#job-info", Static)
        log = self.query_one("#job-log", Log)
        if run is None:
            info.update("no jobs yet — j judge · e export · d DPO training · v re-evaluation")
            return
        t = Text()
        t.append(f"{one_line(run.id)}  ", style="bold")
        t.append(run.kind + "  ")
        t.append(run.status, style=STATUS_STYLE.get(run.status, ""))
        t.append(f"  pid {run.pid or '—'}  started {_when(run.started_at)}")
        if run.finished_at:
            t.append(f"  finished {_when(run.finished_at)}")
        if run.error:
            t.append("\n" + one_line(run.error, 200), style="red")
        if run.config.get("log"):
            t.append("\nlog file: " + one_line(str(run.config["log"])), style="dim")
        info.update(t)
        bar = self.query_one("#job-progress", ProgressBar)
        if run.progress_total:
            bar.update(total=run.progress_total, progress=run.progress_done)
        elif run.status in jobs.ACTIVE:
            bar.update(total=None)  # unknown length: the indeterminate pulse
        else:
            bar.update(total=1, progress=1 if run.status == "done" else 0)
        losses = [m.value for m in self.store.metrics(run.id, "loss")]
        spark = self.query_one("#job-loss", Sparkline)
        spark.data = losses
        spark.display = bool(losses)
        self.query_one("#loss-label", Static).update(
            f"loss {losses[0]:.4f} → {losses[-1]:.4f} ({len(losses)} steps) {sparkline(losses[-30:])}" if losses
            else "")
        if self._log_run != run.id:
            self._log_run, self._log_after, self._file_pos = run.id, 0, 0
            log.clear()
        lines = self.store.logs(run.id, self._log_after)
        if lines:
            self._log_after = lines[-1][0]
            log.write_lines([f"{ln.created_at[11:19]} {ln.level:<7} {visible(ln.message)}" for _, ln in lines])
        elif self._log_after == 0 and run.config.get("log"):
            # a job that writes no log lines to the store (an export): follow its output file instead
            new, self._file_pos = jobs.read_from(run.config["log"], self._file_pos)
            if new:
                log.write_lines([visible(x) for x in new])

    # -- actions ------------------------------------------------------------------------------------------
    def action_start(self, kind: str) -> None:
        db = str(self.store.path)
        if kind == "train":
            self.start_training()
            return
        title, fields = job_form(kind, db)

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                spec = spec_from_form(kind, db, values)
            except (ValueError, FileNotFoundError, KeyError) as e:
                self.notify(str(e), severity="error", markup=False)
                return
            self.start_spec(spec)

        self.app.push_screen(FormModal(title, fields), done)

    def start_training(self) -> None:
        """The training form; its TOML goes next to the store (`<store>.jobs/<run_id>.toml`)."""
        from pathlib import Path

        from db.store import new_id
        from kcc_tui.screens.train import TrainModal

        db = Path(self.store.path).resolve()
        rid = new_id("train")
        toml_path = jobs.log_path(db, rid).with_suffix(".toml")

        def done(path: str | None) -> None:
            if path is not None:
                self.start_spec(jobs.train_spec(db, path, run_id=rid))

        self.app.push_screen(TrainModal(toml_path, db.with_name(f"{db.stem}-{rid}"), Path.cwd()), done)

    def start_spec(self, spec: jobs.JobSpec) -> Run:
        run = self.launcher.launch(spec)
        self.selected = run.id
        self.notify(f"started {run.kind} job {run.id}" if run.status != "failed" else f"{run.id}: {run.error}",
                    severity="information" if run.status != "failed" else "error", markup=False)
        self.action_poll()
        return run

    def action_cancel_job(self) -> None:
        """`x`: cancel the selected job, after a y/n confirmation (a cancelled run cannot be resumed here)."""
        run = next((r for r in self.runs if r.id == self.selected), None)
        if run is None:
            return
        if run.status not in jobs.ACTIVE:
            self.notify(f"{run.id}: already {run.status}", markup=False)
            return
        rid = run.id

        def done(yes: bool | None) -> None:
            if yes:
                self.notify(f"{rid}: {self.launcher.cancel(rid)}", markup=False)
                self.action_poll()

        self.app.push_screen(ConfirmModal(f"Cancel {run.kind} job {rid}? (SIGTERM to its processes)"), done)

    def action_report(self) -> None:
        """`r`: the selected run's report: its summary, last eval metrics, re-evaluation results."""
        run = next((r for r in self.runs if r.id == self.selected), None)
        if run is None:
            return
        self.app.push_screen(DetailModal(f"{run.kind} run {run.id} · {run.status}", report_rows(self.store, run)))

    def action_back(self) -> None:
        self.app.switch_mode("browse")


def report_rows(store, run: Run) -> list[tuple[str, str]]:  # noqa: ANN001 - the app's Store
    """Field/value rows of a run's report (what a finished training or evaluation produced)."""
    rows: list[tuple[str, str]] = [("status", run.status)]
    if run.error:
        rows.append(("error", run.error))
    for k, v in (run.summary or {}).items():
        if isinstance(v, dict):
            v = ", ".join(f"{a}={b}" for a, b in v.items() if not isinstance(b, dict | list))
        rows.append((str(k), str(v)))
    last: dict[str, float] = {}
    for m in store.metrics(run.id):
        if m.name.startswith("eval") or m.name in ("loss", "train_loss"):
            last[m.name] = m.value
    rows += [(f"last {k}", f"{v:.4f}") for k, v in sorted(last.items())]
    for r in store.eval_results(run.id):
        d = r.model_dump()
        rows.append((f"{d.get('benchmark')} {d.get('category') or ''} {d.get('model') or ''}".strip(),
                     ", ".join(f"{k}={v}" for k, v in d.items()
                               if k not in ("run_id", "benchmark", "category", "model", "created_at")
                               and v is not None)))
    if len(rows) == 1:
        rows.append(("report", "nothing yet: the run has written no summary or metrics"))
    return rows

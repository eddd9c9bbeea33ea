"""`inburgering codebook draft`: draft a new wave's codebook rows from its export, or apply a reviewed draft."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

codebook_app = typer.Typer(help="Codebook seeds: draft a new wave's rows from its export.", no_args_is_help=True)
console = Console(soft_wrap=True)


@codebook_app.command("draft")
def draft(
    export: Path = typer.Argument(None, help="The new wave's export (.sav, .zsav, or .csv with its labels sidecar)."),
    meting: int = typer.Option(None, help="The meting the export holds, e.g. 2025."),
    questionnaire: str = typer.Option(None, help="The questionnaire, e.g. Wi2021-asiel."),
    out: Path = typer.Option(None, help="Review folder (default: warehouse/codebook_drafts/<meting>_<questionnaire>)."),
    codebook: Path = typer.Option(None, help="Codebook folder (default: $INBURGERING_CODEBOOK_DIR or seeds/codebook)."),
    apply: Path = typer.Option(None, "--apply", help="Append a reviewed REVIEW_FOLDER's rows to the codebook seeds."),
) -> None:
    """Draft source_variables, crosswalk and question_availability rows for a review folder;
    nothing enters the seeds until a person applies the review with --apply."""
    from orchestration.codebook import Codebook, codebook_dir
    from orchestration.codebook_draft.apply import DraftRefused, apply_review
    from orchestration.codebook_draft.review import make_draft, read_decisions, write_review
    from orchestration.config import PROJECT_DIR
    from orchestration.landing.errors import CodebookError, ExportError

    directory = codebook or codebook_dir()
    if apply is not None:
        try:
            added = apply_review(apply, directory)
        except DraftRefused as exc:
            for reason in exc.reasons:
                console.print(f"[red]not applied:[/red] {reason}")
            raise typer.Exit(code=1)
        except (ExportError, CodebookError, FileNotFoundError) as exc:
            console.print(f"[red]not applied:[/red] {exc}")
            raise typer.Exit(code=1)
        console.print("applied: " + ", ".join(f"{n} rows to {name}.csv" for name, n in added.items())
                      + f" in [bold]{directory}[/bold]")
        return
    if export is None or meting is None or questionnaire is None:
        raise typer.BadParameter("give EXPORT, --meting and --questionnaire (or --apply REVIEW_FOLDER)")
    folder = out or PROJECT_DIR / "warehouse" / "codebook_drafts" / f"{meting}_{questionnaire}"
    decisions = read_decisions(folder)  # drafting again into a review folder keeps its decisions
    try:
        made = make_draft(export, meting, questionnaire, Codebook.load(directory), decisions)
    except (ExportError, CodebookError, FileNotFoundError) as exc:
        console.print(f"[red]no draft:[/red] {exc}")
        raise typer.Exit(code=1)
    write_review(made, folder, decisions)
    summary = made.summary()
    changed = [scale for scale in summary["scales"] if scale["changed_since_previous_meting"]]
    console.print(f"{len(summary['matched'])} of {summary['variables']} variables matched "
                  f"({len(summary['reworded'])} re-worded), {len(changed)} coded differently from meting "
                  f"{summary['previous_meting']} ({sum(s['scale'] == 'reversed' for s in changed)} reversed), "
                  f"{len(summary['new'])} new, {len(summary['no_longer_asked'])} no longer asked, "
                  f"{len(summary['unresolved'])} to decide")
    console.print(f"review: [bold]{folder / 'review.md'}[/bold]; decide in {folder / 'decisions.csv'}, then "
                  f"`inburgering codebook draft --apply {folder}`")

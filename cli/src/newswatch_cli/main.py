"""Entry point of the `newswatch` command. Subcommands import their service lazily, so a missing
optional package only breaks the subcommand that needs it."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="newswatch: news monitoring for geopolitical crises.")


@app.command()
def dev(
    no_colour: Annotated[bool, typer.Option("--no-colour", help="Plain log prefixes.")] = False,
) -> None:
    """Run broker, Redis, the demo feed and all three services until Ctrl-C (what `make run` does)."""
    from newswatch_cli.dev import DevSettings, run_dev

    run_dev(DevSettings(), colour=not no_colour)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Benchmark folder under bench/.")]
) -> None:
    """Run benchmark NAME from bench/; the last line of output is a JSON object of its figures."""
    from newswatch_cli.bench import dumps, find_bench_dir, run_benchmark

    try:
        figures = run_benchmark(name, find_bench_dir(), list(ctx.args))
    except FileNotFoundError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    typer.echo(dumps(figures))


@app.command(
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def feeds(ctx: typer.Context) -> None:
    """Inspect feeds with the ingest service's code: `newswatch feeds parse PATH_OR_URL`."""
    try:
        from newswatch_ingest.cli import app as feeds_app
    except ImportError as e:
        typer.echo(f"error: `newswatch feeds` needs the newswatch-ingest package: {e}", err=True)
        raise typer.Exit(2) from e
    feeds_app(args=list(ctx.args), prog_name="newswatch feeds")


@app.command(
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def tag(ctx: typer.Context) -> None:
    """Tag a text as POST /tag does: `newswatch tag [FILE] [--language L] [--model M]`; stdin without FILE."""
    try:
        from newswatch_enrich.cli import app as tag_app
    except ImportError as e:
        typer.echo(f"error: `newswatch tag` needs the newswatch-enrich package: {e}", err=True)
        raise typer.Exit(2) from e
    tag_app(args=list(ctx.args), prog_name="newswatch tag")


@app.command(
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def stories(ctx: typer.Context) -> None:
    """Group articles into stories as enrich does: `newswatch stories group [FILE]` (JSON lines; stdin)."""
    try:
        from newswatch_enrich.stories.cli import app as stories_app
    except ImportError as e:
        typer.echo(f"error: `newswatch stories` needs the newswatch-enrich package: {e}", err=True)
        raise typer.Exit(2) from e
    stories_app(args=list(ctx.args), prog_name="newswatch stories")


@app.command()
def receive(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    secret: Annotated[
        str | None, typer.Option(help="The webhook channel's secret: check each delivery's signature.")
    ] = None,
) -> None:
    """Receive webhook deliveries and print one line per alert (the quick start's receiver)."""
    from newswatch_cli.receive import run

    run(host, port, secret)


@app.command()
def config() -> None:
    """Print every NEWSWATCH_* setting as a Markdown table (the README's configuration reference)."""
    from newswatch_cli.config_docs import render_table

    typer.echo(render_table())

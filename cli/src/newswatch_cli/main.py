"""Entry point of the `newswatch` command."""

import typer

app = typer.Typer(no_args_is_help=True, help="newswatch: news monitoring for geopolitical crises.")


@app.callback()
def _root() -> None:
    """Run the local stack, benchmarks and tools."""

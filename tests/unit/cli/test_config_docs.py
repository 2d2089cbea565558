import re
from pathlib import Path

from newswatch_cli.config_docs import render_table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_configuration_table_matches_the_settings_classes() -> None:
    text = README.read_text()
    match = re.search(r"<!-- config-table:start[^>]*-->\n(.*?)\n<!-- config-table:end -->", text, re.S)
    assert match, "README lost its config-table markers"
    assert match.group(1).strip() == render_table().strip(), (
        "run: .venv/bin/newswatch config, paste into README"
    )


def test_every_setting_is_documented() -> None:
    rows = render_table().splitlines()[2:]
    assert rows
    undocumented = [r.split("|")[1].strip() for r in rows if r.endswith("|  |")]
    assert not undocumented, f"settings without a description: {undocumented}"

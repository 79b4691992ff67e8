"""Every command's --help ends with an example (issue 14, Tests)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["migrate"], ["drift"], ["lint"], ["schema"], ["db"], ["db", "url"], ["watch"]],
)
def test_help_shows_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "buildamp " in result.output.split("Example")[-1]

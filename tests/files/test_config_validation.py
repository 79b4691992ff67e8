"""Config is validated in full when read: every error is ``file:line:column:``,
numbers are finite and in range, webhook events are real, profiles override."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.model.errors import ConfigError


def cli(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env=env or {})
    return result.exit_code, result.stdout, result.stderr


def project(tmp_path: Path, config: str, name: str = "buildamp.toml") -> Path:
    root = tmp_path / "app"
    (root / "models").mkdir(parents=True)
    (root / name).write_text(config)
    return root


CASES = [
    ('mode = "dev"\nbatch_pause = nan\n', "buildamp.toml:2:1:", "'batch_pause' must be a finite"),
    ("batch_pause = inf\n", "buildamp.toml:1:1:", "finite"),
    ("batch_size = 0\n", "buildamp.toml:1:1:", "'batch_size' must be >= 1"),
    ("batch_size = true\n", "buildamp.toml:1:1:", "must be an integer"),
    ('lock_timeout = "five seconds"\n', "buildamp.toml:1:1:", "PostgreSQL duration"),
    ("lock_wait = -1\n", "buildamp.toml:1:1:", "'lock_wait' must be >= 0"),
    ('mode = "dev"\n  mdoe = "prod"\n', "buildamp.toml:2:3:", "unknown config key 'mdoe'"),
    ('mode = "staging"\n', "buildamp.toml:1:1:", "must be one of dev, prod"),
    ('models = ["a", 1]\n', "buildamp.toml:1:1:", "list of folder names"),
    ('drift_ignore = "x"\n', "buildamp.toml:1:1:", "must be an array"),
    (
        'mode = "dev"\n\n[[webhooks]]\nurl = "https://x"\nevents = ["migraton.*"]\n',
        "buildamp.toml:5:1:",
        "'migraton.*' matches no event",
    ),
    ('[[webhooks]]\nurl = "https://x"\ntimeout = inf\n', "buildamp.toml:3:1:", "finite"),
    ('[[webhooks]]\nurl = "https://x"\nevents = [1]\n', "buildamp.toml:3:1:", "event names"),
    (
        '[[webhooks]]\nurl = "https://a"\n\n[[webhooks]]\nurl = "https://b"\nretries = 3\n',
        "buildamp.toml:6:1:",
        "unknown webhook key 'retries'",
    ),
    ('[[webhooks]]\nevents = ["drift.*"]\n', "buildamp.toml:1:1:", "needs a url"),
    ('mode = "dev"\n[env.prod]\nmode = "production"\n', "buildamp.toml:3:1:", "one of dev, prod"),
    ("[env.prod]\nwebhooks = []\n", "buildamp.toml:2:1:", "not allowed in a profile"),
    ('mode = "dev"\nmode = = 1\n', "buildamp.toml:2:", "invalid TOML"),
]


@pytest.mark.parametrize(("text", "where", "message"), CASES)
def test_bad_config_is_refused_with_its_position(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    root = project(tmp_path, text)
    code, out, err = cli(root, "migrate", "--check")
    assert code == 2, out
    assert err.startswith(f"error: {where}"), err
    assert message in err and "Traceback" not in err


def test_pyproject_positions_count_from_the_tool_table(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\n\n[tool.buildamp]\nmode = "dev"\nbatch_pause = nan\n'
    root = project(tmp_path, text, "pyproject.toml")
    code, _, err = cli(root, "migrate", "--check")
    assert code == 2 and err.startswith("error: pyproject.toml:6:1:"), err


def test_profiles_override_top_level_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        'mode = "dev"\nlock_timeout = "1s"\n\n[env.prod]\nmode = "prod"\n'
        'database_url = "postgresql://prod/db"\nlock_timeout = "3s"\nonline = true\n'
    )
    root = project(tmp_path, text)
    monkeypatch.delenv("BUILDAMP_ENV", raising=False)
    assert load_config(root).mode == "dev"
    prod = load_config(root, "prod")
    assert (prod.mode, prod.database_url, prod.lock_timeout, prod.is_online) == (
        "prod",
        "postgresql://prod/db",
        "3s",
        True,
    )
    monkeypatch.setenv("BUILDAMP_ENV", "prod")
    assert load_config(root).mode == "prod"
    with pytest.raises(ConfigError, match=r"no profile \[env.staging\].*profiles: prod"):
        load_config(root, "staging")


@pytest.mark.parametrize(
    ("text", "env", "online"),
    [
        ('mode = "dev"\n', None, True),
        ('mode = "prod"\n', None, True),
        ("", None, True),
        ('mode = "dev"\nonline = false\n', None, False),
        ('mode = "prod"\nonline = false\n', None, False),
        ('mode = "prod"\n[env.local]\nmode = "dev"\nonline = false\n', "local", False),
        ('online = false\n[env.prod]\nmode = "prod"\n', "prod", False),
        ("online = false\n[env.prod]\nonline = true\n", "prod", True),
    ],
)
def test_online_is_the_default_in_every_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: str | None, online: bool
) -> None:
    """The SQL does not depend on the mode (DESIGN section 3): only ``online``
    chooses the forms, at the top level or in a profile."""
    monkeypatch.delenv("BUILDAMP_ENV", raising=False)
    root = project(tmp_path, 'models = ["models"]\n' + text)
    assert load_config(root, env).is_online is online


def test_env_flag_selects_the_profile(tmp_path: Path) -> None:
    text = 'mode = "dev"\n[env.prod]\nmode = "prod"\n'
    root = project(tmp_path, text)
    # prod mode has no embedded fallback: the error proves the profile applied
    code, _, err = cli(root, "--env", "prod", "migrate", "--status")
    assert code == 2 and "no database configured" in err
    code, _, err = cli(root, "migrate", "--status", env={"BUILDAMP_ENV": "prod"})
    assert code == 2 and "no database configured" in err


def test_init_template_shows_dev_and_prod(tmp_path: Path) -> None:
    root = tmp_path / "new"
    root.mkdir()
    assert cli(root, "init")[0] == 0
    text = (root / "buildamp.toml").read_text()
    assert "[env.dev]" in text and "[env.prod]" in text
    assert load_config(root, "prod").mode == "prod"
    assert load_config(root, "prod").is_online


def test_no_project_here(tmp_path: Path) -> None:
    empty = tmp_path / "random"
    empty.mkdir()
    for args in (["migrate"], ["migrate", "--status"], ["drift"], ["db", "url"]):
        code, _, err = cli(empty, *args)
        assert code == 2 and "no buildamp project here" in err and "run buildamp init" in err
    assert list(empty.iterdir()) == []

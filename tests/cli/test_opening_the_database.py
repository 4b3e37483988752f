"""What an operator meets when the database cannot be used as it stands: one line saying why,
exit status 1, and nothing made or changed on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from docket.cli.main import cli
from docket.storage.engine import make_engine

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/docket"  # nothing listens on port 1


def _docket(*args: str, tmp_path: Path):
    env = {"DOCKET_SIGNING_KEY_FILE": str(tmp_path / "signing.key")}
    return CliRunner().invoke(cli, list(args), env=env)


def test_a_command_on_a_missing_sqlite_file_says_so_and_leaves_no_file_behind(tmp_path):
    missing = tmp_path / "typo.db"
    result = _docket("--database", f"sqlite:///{missing}", "case", "list", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: there is no database at {missing}: run `docket init` to make it "
        "[configuration_error]\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_init_on_an_unreachable_server_says_why_in_one_line(tmp_path):
    result = _docket("--database", UNREACHABLE, "init", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot open the database {UNREACHABLE}: ")
    assert "refused" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "unexpected" not in result.stderr


def test_init_in_a_missing_directory_says_why_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'docket.db'}"
    result = _docket("--database", url, "init", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot open the database {url}: unable to open database file "
        "[configuration_error]\n"
    )


def test_a_command_on_an_unreachable_server_says_why(tmp_path):
    result = _docket("--database", UNREACHABLE, "case", "list", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot open the database {UNREACHABLE}: ")
    assert "refused" in result.stderr
    assert result.stderr.count("\n") == 1


def _at_unknown_revision(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'docket.db'}"
    assert _docket("--database", url, "init", tmp_path=tmp_path).exit_code == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0999_later'"))
    engine.dispose()
    return url


def test_a_database_upgraded_by_a_newer_docket_is_named_so_not_called_out_of_date(tmp_path):
    url = _at_unknown_revision(tmp_path)
    said = (
        "error: the database's schema is at revision 0999_later, which this version of Docket "
        "does not know: it was upgraded by a newer Docket; use that version "
        "[configuration_error]\n"
    )
    listed = _docket("--database", url, "case", "list", tmp_path=tmp_path)
    assert (listed.exit_code, listed.stderr) == (1, said)
    initialised = _docket("--database", url, "init", tmp_path=tmp_path)
    assert (initialised.exit_code, initialised.stderr) == (1, said)


def test_init_with_a_signing_key_file_that_is_no_key_changes_nothing(tmp_path):
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("not a key\n", encoding="utf-8")
    database = tmp_path / "docket.db"
    result = CliRunner().invoke(
        cli,
        ["--database", f"sqlite:///{database}", "init"],
        env={"DOCKET_SIGNING_KEY_FILE": str(not_a_key)},
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {not_a_key} is not an Ed25519 private key in PEM form [configuration_error]\n"
    )
    assert not database.exists()


def test_init_with_a_signing_key_path_it_cannot_write_says_so_in_one_line(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.touch()
    result = CliRunner().invoke(
        cli,
        ["--database", f"sqlite:///{tmp_path / 'docket.db'}", "init"],
        env={"DOCKET_SIGNING_KEY_FILE": str(a_file / "docket-signing.key")},
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: cannot write the signing key {a_file / 'docket-signing.key'}: "
    )
    assert result.stderr.count("\n") == 1
    assert "unexpected" not in result.stderr


def test_a_setting_that_cannot_be_read_is_named_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["case", "list"], env={"DOCKET_IMPORT_BATCH_SIZE": "lots"})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: DOCKET_IMPORT_BATCH_SIZE: ")
    assert "'lots'" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DOCKET_IMPORT_WORKERS", "-3"),
        # The bounds of --workers and --batch-size: a variable is no way around them (a
        # thousand worker processes started by one import).
        ("DOCKET_IMPORT_WORKERS", "1000"),
        ("DOCKET_IMPORT_BATCH_SIZE", "100001"),
    ],
)
def test_a_setting_out_of_its_range_is_named_before_anything_runs(tmp_path, variable, value):
    result = CliRunner().invoke(cli, ["case", "list"], env={variable: value})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {variable}: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "postgresql+psycopg://docket:s3cr@t@db.example:5432x/docket",
            "error: not a database URL: 'postgresql+psycopg://docket:***@db.example:5432x/docket' "
            "(its host or port cannot be read) [configuration_error]\n",
        ),
        (
            "postgresql+psycopg://docket@[::1/docket",
            "error: not a database URL: 'postgresql+psycopg://docket@[::1/docket' "
            "(its host or port cannot be read) [configuration_error]\n",
        ),
        (
            "postgresql+psycopg2://docket@db.example/docket",
            "error: unsupported driver 'psycopg2': Docket reaches postgresql through psycopg "
            "(postgresql+psycopg://user@host/db) [configuration_error]\n",
        ),
        (
            "sqlite+pysqlcipher:///docket.db",
            "error: unsupported driver 'pysqlcipher': Docket reaches sqlite through pysqlite "
            "(sqlite:///docket.db) [configuration_error]\n",
        ),
        (
            "postgresql+nosuchdriver://docket@db.example/docket",
            "error: unsupported driver 'nosuchdriver': Docket reaches postgresql through "
            "psycopg (postgresql+psycopg://user@host/db) [configuration_error]\n",
        ),
    ],
)
def test_a_database_url_docket_cannot_use_is_one_line_and_hides_the_password(tmp_path, url, said):
    result = _docket("--database", url, "init", tmp_path=tmp_path)
    assert (result.exit_code, result.stderr) == (1, said)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_database_option_is_refused_not_taken_for_the_default(
    tmp_path, monkeypatch, given
):
    """`docket --database "$URL" init` with $URL unset made a new docket.db where it ran."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = _docket("--database", given, "init", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --database names no database: give its URL, or leave the option out for "
        "$DOCKET_DATABASE_URL (else sqlite:///docket.db) [invalid_input]\n"
    )
    assert list(here.iterdir()) == []
    assert list(tmp_path.iterdir()) == [here]


def test_a_signing_key_file_under_a_tilde_is_made_in_the_home_directory(tmp_path, monkeypatch):
    """As a service unit or a compose file passes it: the "~" not expanded by any shell."""
    home, here = tmp_path / "home", tmp_path / "here"
    home.mkdir()
    here.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    result = CliRunner().invoke(
        cli,
        ["--database", f"sqlite:///{tmp_path / 'docket.db'}", "init"],
        env={"DOCKET_SIGNING_KEY_FILE": "~/keys/docket-signing.key"},
    )
    assert result.exit_code == 0, result.stderr
    assert (home / "keys" / "docket-signing.key").is_file()
    assert list(here.iterdir()) == []  # no directory named "~"

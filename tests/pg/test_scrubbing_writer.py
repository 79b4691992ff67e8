"""Every line buildamp prints passes through the one scrubber (issue 13 item 11)."""

from __future__ import annotations

import io

import pytest

from buildamp.pg.secrets import ScrubbingWriter, register

SECRET = "Wr1ter#Pw9zq"


def test_a_secret_split_across_writes_is_still_removed() -> None:
    register(f"postgresql://bob:{SECRET}@db.example/app")
    inner = io.StringIO()
    writer = ScrubbingWriter(inner)
    writer.write("connecting with Wr1t")
    assert inner.getvalue() == ""  # held until the line ends
    writer.write("er#Pw9zq now\nnext ")
    assert inner.getvalue() == "connecting with *** now\n"
    writer.flush()
    assert inner.getvalue() == "connecting with *** now\nnext "


def test_url_passwords_are_removed_even_when_never_registered() -> None:
    inner = io.StringIO()
    writer = ScrubbingWriter(inner)
    writer.write("Got unexpected extra argument (postgresql://u:Un5een/pw@h/db)\n")
    assert inner.getvalue() == "Got unexpected extra argument (postgresql://u:***@h/db)\n"


def test_bytes_are_scrubbed_like_text() -> None:
    """click writes its shell-completion script as bytes; with no ``.buffer``
    to go around the scrubber, they pass through it too."""
    inner = io.StringIO()
    writer = ScrubbingWriter(inner)
    assert not hasattr(writer, "buffer")
    writer.write(b"postgresql://u:Byt3sPw@h/db\n")
    assert inner.getvalue() == "postgresql://u:***@h/db\n"
    with pytest.raises(TypeError):
        writer.write(42)  # type: ignore[arg-type]

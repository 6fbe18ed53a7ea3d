"""Fixtures and helpers for the `show`/`export` tests: the matrix, and headless Chromium.

Import the fixtures by name from a test module (`from export_fixtures import chromium`);
no conftest.py of its own: tests/conftest.py holds the fixtures, tests/support the shared helpers.
Chromium is Debian's `chromium` package, installed here with apt-get when it is missing.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syscalltbl.export.matrix import Matrix, build_matrix
from syscalltbl.tables import project as project_module
from syscalltbl.tables.model import Entry

#: Flags that keep a headless Chromium to itself: no network beyond the page, no profile state.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
)


@pytest.fixture(scope="session")
def shipped_project() -> project_module.Project:
    return project_module.load()


@pytest.fixture(scope="session")
def matrix(shipped_project: project_module.Project) -> Matrix:
    return build_matrix(shipped_project)


def table_entry(project: project_module.Project, kernel_path: str, name: str, abis: tuple[str, ...]) -> Entry:
    """The entry of `name` that `abis` selects in a table, read with the parser, not through the matrix."""
    from syscalltbl.tables import abi
    from syscalltbl.tables.tblparse import parse_bytes

    real = project.aliases.get(kernel_path, kernel_path)
    table = parse_bytes(project.table_file(real).read_bytes(), real)
    found = [e for e in abi.select(table.entries, abis) if e.name == name]
    assert len(found) == 1, (kernel_path, name, abis, found)
    return found[0]


def _install_chromium() -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run([*sudo, "apt-get", "update", "-q"], capture_output=True, text=True, env=env)
    assert update.returncode == 0, update.stderr
    install = subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]


@dataclass(frozen=True)
class Chromium:
    """Debian's chromium, run headless with a fresh profile per call."""

    executable: str

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            return subprocess.run(
                [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=dict(os.environ, HOME=profile),
            )

    def dump_dom(self, url: str) -> str:
        proc = self.run("--dump-dom", "--virtual-time-budget=5000", url)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "<html" in proc.stdout, proc.stderr[-3000:]
        return proc.stdout

    def screenshot(self, url: str, target: Path, width: int, height: int) -> None:
        proc = self.run(f"--screenshot={target}", f"--window-size={width},{height}", url)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert target.is_file(), proc.stderr[-3000:]


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """Debian's chromium, installed with apt-get if this machine lacks it (never skipped)."""
    found = shutil.which("chromium")
    if found is None:
        _install_chromium()
        found = shutil.which("chromium")
    assert found is not None, "apt-get install chromium left no chromium on PATH"
    return Chromium(found)


# --- reading what Chromium gives back ---------------------------------------


@dataclass
class Row:
    name: str
    hidden: bool
    classes: str
    cells: list[tuple[str, str, str]]  # (text, class, title), the name cell excluded


class MatrixPage(HTMLParser):
    """The rows of the matrix table and a few elements by id, from a (dumped) page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[Row] = []
        #: (class, title) of each column head (the second header row, one per column).
        self.heads: list[tuple[str, str]] = []
        self._in_abi_row = False
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.text_by_id: dict[str, str] = {}
        self._in_body = False
        self._cell: list[str] | None = None
        self._cell_attrs: dict[str, str | None] = {}
        self._first_cell = False
        self._open_id: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "id" in attributes and attributes["id"] is not None:
            self.by_id[attributes["id"]] = attributes
            self._open_id = attributes["id"]
            self.text_by_id[attributes["id"]] = ""
        if tag == "tr" and not self._in_body:
            self._in_abi_row = "abi" in (attributes.get("class") or "").split()
        elif tag == "th" and self._in_abi_row:
            self.heads.append((attributes.get("class") or "", attributes.get("title") or ""))
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            name = attributes.get("data-name") or ""
            self.rows.append(Row(name, "hidden" in attributes, attributes.get("class") or "", []))
            self._first_cell = True
        elif tag == "td" and self._in_body:
            self._cell = []
            self._cell_attrs = attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            if self._first_cell:
                self._first_cell = False
            else:
                self.rows[-1].cells.append(
                    ("".join(self._cell), self._cell_attrs.get("class") or "", self._cell_attrs.get("title") or "")
                )
            self._cell = None
        if self._open_id is not None and tag in ("span", "p", "h1", "pre"):
            self._open_id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._open_id is not None:
            self.text_by_id[self._open_id] += data

    def visible(self) -> list[str]:
        return [r.name for r in self.rows if not r.hidden]


# --- PNG, with the standard library -----------------------------------------


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    #: Decompressed scanlines (filter bytes included).
    raw: bytes


def read_png(path: Path) -> Png:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    offset, width, height, idat = 8, 0, 0, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r} chunk"
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        offset += 12 + length
    return Png(width, height, zlib.decompress(idat))

"""The project's inputs: arch/tables.toml and the tables it names.

No `from __future__ import annotations` here: typing.NamedTuple compiles a
string annotation into a ForwardRef, one `compile()` per field, 1-2 ms for
these two classes on every `run` (which finds its project through this module).
"""

import marshal
from pathlib import Path
from typing import Any, NamedTuple

from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError


class Output(NamedTuple):
    """One generated file, as one invocation of a kernel script."""

    arch: str
    generator: str
    input: str
    argv: tuple[str, ...]
    stdin: bool
    path: str
    #: The Makefile(s) writing this invocation (tables.toml's `makefile`), and for
    #: one read from a kernel tree the line of its rule there (0 when not known).
    makefile: str = ""
    makefile_line: int = 0


class Project(NamedTuple):
    """Tables (kernel path -> file) and outputs: a project's tables.toml, or a kernel tree's own files.

    `root` is the arch/ directory, of the project or of the tree; kernel paths
    outside it (scripts/syscall.tbl) are mapped by `tables` like any other.
    """

    root: Path
    tables: dict[str, Path]
    aliases: dict[str, str]
    outputs: tuple[Output, ...]
    #: The Linux version the tables are of ("6.18.2"), or "" when not known.
    kernel: str = ""
    #: The kernel tree the tables were read from (syscalltbl.tables.tree.load_tree);
    #: None for a project's or the shipped tables.toml.
    tree: Path | None = None

    def table_file(self, kernel_path: str) -> Path:
        """The file holding a table, through an alias if the kernel uses a symlink."""
        real = self.aliases.get(kernel_path, kernel_path)
        try:
            return self.tables[real]
        except KeyError:
            if self.tree is not None:
                raise SyscalltblError(f"unknown table {kernel_path!r}: not in the tree", path=str(self.tree)) from None
            raise SyscalltblError(
                f"unknown table {kernel_path!r}: not listed in tables.toml", path=str(self.root / "tables.toml")
            ) from None

    @property
    def arches(self) -> list[str]:
        return sorted({o.arch for o in self.outputs})

    @property
    def headers_root(self) -> Path:
        """The directory the prototype headers are found under, and named relative to."""
        return self.tree if self.tree is not None else self.root

    def prototype_headers(self) -> list[Path]:
        """The headers declaring the entry points: a tree's include/linux/syscalls.h, compat.h and
        arch/*/include/asm/syscalls.h, or a project's copies of them under its arch/."""
        from syscalltbl.tables.headers import prototype_headers

        return prototype_headers(self.headers_root, project=self.tree is None)


def _read_toml(meta: Path) -> dict[str, Any]:
    """tables.toml as a dict: the shipped file's parsed form is shipped too (tables/parsed_toml.py); any
    other's is cached (marshal) by the file's hash."""
    from syscalltbl.store import cache

    try:
        raw = meta.read_bytes()
    except FileNotFoundError:
        raise SyscalltblError("no such file", path=str(meta)) from None
    key = cache.digest("toml", raw)
    from syscalltbl.tables import parsed_toml

    known = parsed_toml.lookup(key)  # the shipped file, parsed ahead: no tomllib in a cold build
    if known is not None:
        return known
    blob = cache.get("toml", key) if cache.enabled() else None
    if blob is not None:
        try:
            loaded = marshal.loads(blob)
            if isinstance(loaded, dict):
                return loaded
        except (EOFError, ValueError, TypeError):
            pass
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SyscalltblError(f"invalid TOML: {exc}", path=str(meta)) from None
    if cache.enabled():
        cache.put("toml", key, marshal.dumps(data))
    return data


def find_root(project_dir: Path | None) -> Path:
    """The arch/ directory to build: `-C DIR`, else the nearest project, else the shipped tables."""
    if project_dir is not None:
        root = project_dir / "arch"
        if not (root / "tables.toml").is_file():
            raise SyscalltblError("not a syscalltbl project: no arch/tables.toml", path=str(project_dir))
        return root
    return arch_root_above(Path.cwd()) or shipped.arch()


def arch_root_above(start: Path) -> Path | None:
    """The nearest project at or above `start`: its arch/ directory (holding tables.toml), if there is one.

    The one search for a project, whether from the working directory or from a file inside one.
    """
    for directory in (start, *start.parents):
        if (directory / "arch" / "tables.toml").is_file():
            return directory / "arch"
    return None


def load(root: Path | None = None) -> Project:
    root = root or shipped.arch()
    meta = root / "tables.toml"
    data = _read_toml(meta)
    try:
        tables = {t["kernel_path"]: root / t["file"] for t in data.get("table", [])}
        aliases = {a["kernel_path"]: a["target"] for a in data.get("alias", [])}
        outputs = tuple(
            Output(
                arch=o["arch"],
                generator=o["generator"],
                input=o["input"],
                argv=tuple(o["argv"]),
                stdin=bool(o.get("stdin", False)),
                path=o["path"],
                makefile=str(o.get("makefile", "")),
            )
            for o in data.get("output", [])
        )
        source = data.get("source", {})
        kernel = str(source.get("kernel", "")) if isinstance(source, dict) else ""
    except (KeyError, TypeError) as exc:
        raise SyscalltblError(f"malformed entry: missing or wrong key {exc}", path=str(meta)) from None
    owners: dict[Path, str] = {}
    for kernel_path, file in tables.items():
        if file in owners:
            # One file under two names is what [[alias]] says; two [[table]]s would edit it twice.
            raise SyscalltblError(
                f"[[table]] {owners[file]} and {kernel_path} name the same file {file.relative_to(root)}: "
                f"make one of them an [[alias]]",
                path=str(meta),
            )
        owners[file] = kernel_path
    return Project(root, tables, aliases, outputs, kernel)

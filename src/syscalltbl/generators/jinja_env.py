"""The one Jinja2 environment every renderer uses."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> jinja2.Environment:
    # Imported here: computing a View must not cost Jinja2's import.
    import jinja2

    # StrictUndefined: a typo in a template must fail the build, not print "".
    # keep_trailing_newline: the kernel's outputs end in exactly one newline.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


class View(NamedTuple):
    """A template and the data it renders: a renderer's whole result, before Jinja2 runs.

    Its repr is deterministic (plain values and frozen dataclasses), so it keys
    the cache and tells an incremental build whether an output can have changed.
    """

    template: str
    context: dict[str, object]


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def render_view(view: View) -> str:
    return render(view.template, **view.context)

"""Fixtures: the real prototype headers of Debian's newest linux-headers-6.12*-common.

The package is resolved, downloaded and unpacked by debian_cache at test time
(into the test cache, never into the repository). Import the fixtures from a
test module: `from fixtures_headers import linux_headers`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from debian_cache import newest_package, unpack_deb

#: Debian names the architecture-independent half of its kernel headers so.
HEADERS_PACKAGE = r"linux-headers-6\.12.*-common"


@pytest.fixture(scope="session")
def linux_headers() -> Path:
    """The `usr/src/linux-headers-*-common` directory of the unpacked package."""
    unpacked = unpack_deb(newest_package(HEADERS_PACKAGE))
    trees = sorted((unpacked / "usr" / "src").glob("linux-headers-*-common"))
    if not trees:
        pytest.fail(f"{unpacked} holds no usr/src/linux-headers-*-common directory")
    return trees[-1]

"""Azurite (the Azure Storage emulator) for the whole test session.

`azurite` is a session fixture: it starts `node_modules/.bin/azurite` once, in memory, on
ports the OS picks (`--blobPort 0 --queuePort 0 --tablePort 0`; Azurite prints the ports
it got, which we read), waits until all three services listen, yields an `Azurite` with
the connection string, and stops the process at the end. Tests that need a fresh table
or queue name their own (`unique_name()`), so they never see each other's data.

When Azurite is not installed (a clone without `npm install`), tests using it skip with
the reason; `make test` installs it first.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AZURITE = ROOT / "node_modules" / ".bin" / "azurite"

# Azurite's fixed development account (published in Azure's docs; not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at http://[\d.]+:(\d+)")
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Azurite:
    blob_port: int
    queue_port: int
    table_port: int
    host: str = "127.0.0.1"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://{self.host}:{self.blob_port}/{ACCOUNT};"
            f"QueueEndpoint=http://{self.host}:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint=http://{self.host}:{self.table_port}/{ACCOUNT};"
        )

    @property
    def table_endpoint(self) -> str:
        return f"http://{self.host}:{self.table_port}/{ACCOUNT}"

    @property
    def queue_endpoint(self) -> str:
        return f"http://{self.host}:{self.queue_port}/{ACCOUNT}"

    @property
    def blob_endpoint(self) -> str:
        return f"http://{self.host}:{self.blob_port}/{ACCOUNT}"


def unique_name(prefix: str = "t") -> str:
    """A table/queue name no other test uses (letters and digits, starts with a letter)."""
    return f"{prefix}{uuid.uuid4().hex[:16]}"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_azurite(workdir: Path) -> tuple[subprocess.Popen[str], Azurite]:
    """Start Azurite in memory on OS-chosen ports; return the process and its ports."""
    proc = subprocess.Popen(
        [
            str(AZURITE),
            "--blobPort",
            "0",
            "--queuePort",
            "0",
            "--tablePort",
            "0",
            "--blobHost",
            "127.0.0.1",
            "--queueHost",
            "127.0.0.1",
            "--tableHost",
            "127.0.0.1",
            "--silent",
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--loose",
        ],
        cwd=str(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so stopping it stops node's children too
    )
    ports: dict[str, int] = {}
    lines: list[str] = []
    deadline = time.monotonic() + _START_TIMEOUT_S
    assert proc.stdout is not None
    while len(ports) < 3:
        if time.monotonic() > deadline or proc.poll() is not None:
            stop_azurite(proc)
            raise RuntimeError("Azurite did not start:\n" + "".join(lines[-20:]))
        line = proc.stdout.readline()
        if not line:
            continue
        lines.append(line)
        m = _LISTENING.search(line)
        if m:
            ports[m.group(1)] = int(m.group(2))

    # Keep draining its output so a chatty Azurite can never block on a full pipe.
    def drain() -> None:
        assert proc.stdout is not None
        for _ in proc.stdout:
            pass

    threading.Thread(target=drain, name="azurite-drain", daemon=True).start()
    az = Azurite(blob_port=ports["Blob"], queue_port=ports["Queue"], table_port=ports["Table"])
    while not all(_listening(az.host, p) for p in (az.blob_port, az.queue_port, az.table_port)):
        if time.monotonic() > deadline:
            stop_azurite(proc)
            raise RuntimeError("Azurite printed its ports but does not accept connections")
        time.sleep(0.05)
    return proc, az


def stop_azurite(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A running Azurite for the session (skips when node_modules has no Azurite)."""
    if not AZURITE.exists():
        pytest.skip("Azurite is not installed (run `npm install` or `make test`)")
    proc, az = start_azurite(tmp_path_factory.mktemp("azurite"))
    try:
        yield az
    finally:
        stop_azurite(proc)


@pytest.fixture(scope="session")
def azurite_connection_string(azurite: Azurite) -> str:
    """The connection string of the session's Azurite (what AzureWebJobsStorage holds)."""
    return azurite.connection_string

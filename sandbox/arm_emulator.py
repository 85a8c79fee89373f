"""The sandbox ARM emulator: an HTTP server on loopback that speaks Azure Resource Manager.

The real azure-mgmt-network / -resource / -privatedns / -dnsresolver clients talk to it over
HTTP exactly as they talk to https://management.azure.com (point `base_url` at it, send any
bearer token, turn off `enforce_https` for loopback). It serves an *estate* (see
sandbox/README.md): GETs and lists with paging, POST actions as long-running operations,
virtual network peering writes with Azure's refusals, ARM error bodies, and injectable faults.

    with ArmEmulator(load_estate("sandbox/estates/seed.json")) as emu:
        url = emu.base_url          # "http://127.0.0.1:PORT"
        ...
        emu.requests                # [(method, path, query, status), …]

Stand-alone: `python -m bot emulator --estate FILE --port N` (→ `main(argv)`).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from sandbox.arm.faults import Fault, FaultBook
from sandbox.arm.handler import ArmHTTPServer
from sandbox.arm.state import DEFAULT_TENANT, Estate

if TYPE_CHECKING:
    from sandbox.identity import Identity
    from sandbox.tls import LoopbackTls

DEFAULT_PAGE_SIZE = 50
SEED_ESTATE = Path(__file__).resolve().parent / "estates" / "seed.json"


class RequestRecord(NamedTuple):
    """One request as the emulator saw it. `status` 0 means no answer was sent (a hang)."""

    method: str
    path: str
    query: str
    status: int


class ArmEmulator:
    """ARM on loopback. Thread-safe; start() may be called once; stop() is idempotent."""

    def __init__(
        self,
        estate: dict[str, Any] | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        page_size: int = DEFAULT_PAGE_SIZE,
        latency_ms: int = 0,
        fault_seed: int = 0,
        tls: LoopbackTls | None = None,
        retry_after: float = 0,
    ) -> None:
        if estate is None:
            from sandbox.estate import load_estate

            estate = load_estate(SEED_ESTATE)
        self.estate = Estate(estate)
        self.faults = FaultBook(seed=fault_seed)
        for f in estate.get("faults") or []:
            self.faults.add(Fault.from_json(f))
        self.page_size = page_size
        self.latency_ms = latency_ms
        # Retry-After on long-running operations, in seconds. azure-core reads a fraction
        # ("0.05") and treats 0 as absent, waiting its own 30 s instead (base_polling.py
        # `_extract_delay`): clients other than the bot's (which polls at 0) need a value > 0.
        self.poll_retry_after = f"{retry_after:g}"
        # With TLS: https://, and the cloud's sign-in side (sandbox/identity.py) on the same port.
        self.tls = tls
        self.identity: Identity | None = None
        self.stopping = threading.Event()
        self._host = host
        self._port = port
        self._server: ArmHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log_lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self.base_url = ""

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> str:
        """Bind (ephemeral port unless one was given), serve on a daemon thread, return the URL."""
        if self._server is not None:
            return self.base_url
        self._server = ArmHTTPServer((self._host, self._port), self)
        port = self._server.server_address[1]
        if self.tls is None:
            self.base_url = f"http://{self._host}:{port}"
        else:
            from sandbox.identity import Identity

            # The handshake happens on the request's own thread (on its first read), so a slow
            # or refusing client never holds up the accept loop.
            self._server.socket = self.tls.server_context().wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            self.base_url = f"https://{self._host}:{port}"
            self.identity = Identity(self.base_url, self.tenant)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="arm-emulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; held ("hang") requests are released so the threads end."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ArmEmulator:
        self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def tenant(self) -> str:
        """The directory the estate's subscriptions belong to (what `az login --tenant` takes)."""
        with self.estate.lock:
            for sub in self.estate.subscriptions.values():
                if sub.get("tenantId"):
                    return str(sub["tenantId"])
        return DEFAULT_TENANT

    # --- request log ------------------------------------------------------------------------
    def record(self, method: str, path: str, query: str, status: int) -> None:
        with self._log_lock:
            self._requests.append(RequestRecord(method, path, query, status))

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request so far: (method, path, query, status)."""
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    # --- faults -----------------------------------------------------------------------------
    def add_fault(
        self,
        path: str = ".*",
        *,
        method: str | None = None,
        kind: str = "error",
        status: int = 500,
        latency_ms: int = 0,
        retry_after: int = 1,
        count: int | None = None,
        probability: float = 1.0,
        code: str | None = None,
        message: str | None = None,
        hold_s: float = 30.0,
    ) -> Fault:
        """Inject a fault on requests whose path matches `path` (regex). See sandbox/arm/faults.py."""
        return self.faults.add(
            Fault(
                path=path,
                method=method.upper() if method else None,
                kind=kind,
                status=status,
                latency_ms=latency_ms,
                retry_after=retry_after,
                count=count,
                probability=probability,
                code=code,
                message=message,
                hold_s=hold_s,
            )
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    # --- the estate at run time ---------------------------------------------------------------
    def advance_counters(self, cycles: int = 1) -> None:
        """Grow the byte counters of the connections in counterGrowth by `cycles` steps."""
        self.estate.advance_counters(cycles)

    def set_counter_growth(self, connection_id: str, ingress: int | None = None, egress: int | None = None) -> None:
        self.estate.set_counter_growth(connection_id, ingress, egress)

    def set_connection_status(self, connection_id: str, status: str, tunnels: list[str] | None = None) -> None:
        self.estate.set_connection_status(connection_id, status, tunnels)

    def put_resource(self, doc: dict[str, Any]) -> None:
        """Add or replace a resource document (as GET returns it)."""
        self.estate.put_resource(doc)

    def remove_resource(self, resource_id: str) -> bool:
        return self.estate.remove_resource(resource_id)

    def set_action(self, resource_id: str, action: str, body: Any) -> None:
        """Set the result body of a POST action, e.g. set_action(gw_id, "getLearnedRoutes", {...})."""
        self.estate.set_action(resource_id, action, body)

    def set_shared_key(self, connection_id: str, value: str) -> None:
        from sandbox.arm import ids

        with self.estate.lock:
            self.estate.shared_keys[ids.key(connection_id)] = value

    def deny(self, action: str, scope: str = "") -> None:
        """Refuse an RBAC action (fnmatch pattern) at a scope (prefix; "" = everywhere) with 403."""
        from sandbox.arm.state import Deny

        with self.estate.lock:
            self.estate.denied.append(Deny(action, scope))

    def resource(self, resource_id: str) -> dict[str, Any] | None:
        """The resource as a GET would return it (without advancing pending writes)."""
        return self.estate.view(resource_id)

    def dump(self) -> dict[str, Any]:
        """The current estate in the estate file format (faults included)."""
        out = self.estate.dump()
        faults = [f.to_json() for f in self.faults.all() if f.count is None or f.hits < f.count]
        if faults:
            out["faults"] = faults
        return out


def main(argv: list[str] | None = None) -> int:
    """`python -m bot emulator [--estate FILE] [--port N] [--page-size N] [--latency-ms N]
    [--tls [--tls-dir DIR]] [--retry-after S]`."""
    from sandbox.estate import load_estate

    ap = argparse.ArgumentParser(
        prog="python -m bot emulator", description="Serve an estate as Azure Resource Manager on loopback."
    )
    ap.add_argument("--estate", type=Path, default=SEED_ESTATE, help="estate JSON file (default: the seed estate)")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)")
    ap.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE, help="items per list page before nextLink")
    ap.add_argument("--latency-ms", type=int, default=0, help="added to every answer")
    ap.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a loopback certificate, and sign-in endpoints, for the az CLI (see sandbox/README.md)",
    )
    ap.add_argument(
        "--tls-dir",
        type=Path,
        default=Path(".state") / "tls",
        help="where --tls writes ca.pem (trust it) and the server certificate (default: .state/tls)",
    )
    ap.add_argument(
        "--retry-after",
        type=float,
        default=None,
        help="Retry-After on long-running operations, in seconds (default: 0, or 1 with --tls: "
        "azure-core waits 30 s when it reads 0)",
    )
    args = ap.parse_args(argv)
    if args.retry_after is not None and args.retry_after < 0:
        ap.error(f"--retry-after takes seconds ≥ 0, e.g. --retry-after 1 (got {args.retry_after:g})")
    try:
        estate = load_estate(args.estate)
    except (OSError, ValueError) as e:
        print(f"cannot load estate {args.estate}: {e}", file=sys.stderr)
        return 2
    tls = None
    if args.tls:
        from sandbox.tls import loopback_tls

        try:
            tls = loopback_tls(args.tls_dir)
        except OSError as e:
            print(f"cannot write the loopback certificate to {args.tls_dir}: {e}", file=sys.stderr)
            return 2
    retry_after = args.retry_after if args.retry_after is not None else (1 if tls else 0)
    emu = ArmEmulator(
        estate,
        port=args.port,
        page_size=args.page_size,
        latency_ms=args.latency_ms,
        tls=tls,
        retry_after=retry_after,
    )
    try:
        url = emu.start()
    except OSError as e:
        print(f"cannot listen on 127.0.0.1:{args.port}: {e}", file=sys.stderr)
        return 2
    print(f"ARM emulator serving {args.estate} at {url}  (VPNOPS_ARM_URL={url}; Ctrl-C stops)", flush=True)
    if tls is not None:
        from sandbox.az_cloud import AzSandbox

        print(AzSandbox(url, tls.ca_file.resolve(), emu.tenant).instructions(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

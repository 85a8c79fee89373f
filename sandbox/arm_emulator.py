"""The sandbox ARM emulator: an HTTP server on loopback that speaks Azure Resource Manager.

The real azure-mgmt-network / -resource / -privatedns / -dnsresolver clients talk to it over
HTTP exactly as they talk to https://management.azure.com (point `base_url` at it, send any
bearer token, turn off `enforce_https` for loopback). It serves an *estate* (see
sandbox/README.md): GETs and lists with paging, POST actions as long-running operations,
virtual network peering writes with Azure's refusals, ARM error bodies, and injectable faults.
Where ARM answers in more than one way, `Fidelity` (`sandbox.arm.fidelity`) says which way:
from the estate's `"arm"` object, or given here (a test), or on the command line.

    with ArmEmulator(load_estate("sandbox/estates/seed.json"), fidelity=Fidelity(lro_headers="async")) as emu:
        url = emu.base_url          # "http://127.0.0.1:PORT"
        ...
        emu.requests                # [(method, path, query, status, if_match), …]

Stand-alone: `python -m bot emulator --estate FILE --port N --lro-headers async|location|both`
(→ `main(argv)`).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from sandbox.arm.faults import Fault, FaultBook
from sandbox.arm.fidelity import ARM_RETRY_AFTER_S, DEFAULT_PAGE_SIZE, LRO_HEADERS, Fidelity
from sandbox.arm.handler import ArmHTTPServer
from sandbox.arm.history import History
from sandbox.arm.latency import LatencyModel, LatencyRuntime
from sandbox.arm.shapes import real_shapes
from sandbox.arm.state import DEFAULT_TENANT, Estate

if TYPE_CHECKING:
    from sandbox.identity import Identity
    from sandbox.tls import LoopbackTls

__all__ = ["DEFAULT_PAGE_SIZE", "SEED_ESTATE", "ArmEmulator", "Fidelity", "RequestRecord", "fidelity_of", "main"]

SEED_ESTATE = Path(__file__).resolve().parent / "estates" / "seed.json"


class RequestRecord(NamedTuple):
    """One request as the emulator saw it. `status` 0 means no answer was sent (a hang);
    `if_match` is the request's If-Match header as it arrived (None without one); `at` is
    when it was answered (`time.monotonic()`).

    With `record_bodies` on, also what went over the wire: the request's JSON body, and the
    answer's headers and JSON body (for the conformance tests, tests/conformance/)."""

    method: str
    path: str
    query: str
    status: int
    if_match: str | None = None
    at: float = 0.0
    body: Any = None
    answer_headers: dict[str, str] | None = None
    answer_body: Any = None


def fidelity_of(estate: dict[str, Any] | None) -> Fidelity:
    """The estate's own `"arm"` settings (the defaults when it has none)."""
    return Fidelity.from_json((estate or {}).get("arm"))


class ArmEmulator:
    """ARM on loopback. Thread-safe; start() may be called once; stop() is idempotent."""

    def __init__(
        self,
        estate: dict[str, Any] | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        page_size: int | None = None,
        latency_ms: int = 0,
        fault_seed: int = 0,
        fidelity: Fidelity | None = None,
        record_bodies: bool = False,
        tls: LoopbackTls | None = None,
        latency: LatencyModel | None = None,
    ) -> None:
        """`fidelity`: how to answer where ARM has several ways (default: the estate's `"arm"`
        object, else `Fidelity()`); `page_size`, when given, overrides its page size.
        `record_bodies`: keep each request's and answer's body in `requests` (memory grows
        with every request: for tests that check what was said, not for long runs)."""
        if estate is None:
            from sandbox.estate import load_estate

            estate = load_estate(SEED_ESTATE)
        fid = fidelity if fidelity is not None else fidelity_of(estate)
        if page_size is not None:
            fid = fid.replace(page_size=page_size)
        self.fidelity = fid
        self.estate = Estate(real_shapes(estate) if fid.real_shapes else estate)
        self.history = History(estate, self.estate)  # changes, Resource Health, Service Health
        self.faults = FaultBook(seed=fault_seed)
        for f in estate.get("faults") or []:
            self.faults.add(Fault.from_json(f))
        self.latency_ms = latency_ms
        # The realistic mode (sandbox.arm.latency): given here, or the estate's "arm": {"latency": …}.
        model = latency if latency is not None else LatencyModel.from_json((estate.get("arm") or {}).get("latency"))
        self.realistic: LatencyRuntime | None = LatencyRuntime(model) if model is not None else None
        self.record_bodies = record_bodies
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
        self.link_base_url = ""  # what nextLinks start with (Fidelity.next_link_host)

    @property
    def page_size(self) -> int:
        return self.fidelity.page_size

    @property
    def poll_retry_after(self) -> str:
        """The `Retry-After` header's value on a long-running operation (`Fidelity.retry_after_s`;
        a fraction such as "0.05" only from Python, for tests that run Microsoft's own clients)."""
        return f"{self.fidelity.retry_after_s:g}"

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> str:
        """Bind (ephemeral port unless one was given), serve on a daemon thread, return the URL."""
        if self._server is not None:
            return self.base_url
        self._server = ArmHTTPServer((self._host, self._port), self)
        port = self._server.server_address[1]
        scheme = "http"
        if self.tls is not None:
            from sandbox.identity import Identity

            # The handshake happens on the request's own thread (on its first read), so a slow
            # or refusing client never holds up the accept loop.
            self._server.socket = self.tls.server_context().wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self.base_url = f"{scheme}://{self._host}:{port}"
        self.link_base_url = f"{scheme}://{self.fidelity.next_link_host or self._host}:{port}"
        if self.tls is not None:
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
    def record(
        self,
        method: str,
        path: str,
        query: str,
        status: int,
        body: bytes = b"",
        answer_headers: dict[str, str] | None = None,
        answer_body: Any = None,
        if_match: str | None = None,
    ) -> None:
        rec = RequestRecord(method, path, query, status, if_match, time.monotonic())
        if self.record_bodies:
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = body.decode("utf-8", "replace")
            # A copy, as the bytes on the wire were: the answer's object may be the estate's.
            sent = json.loads(json.dumps(answer_body)) if answer_body is not None else None
            rec = rec._replace(body=parsed, answer_headers=dict(answer_headers or {}), answer_body=sent)
        with self._log_lock:
            self._requests.append(rec)

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request so far: (method, path, query, status, if_match)."""
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
        changes: dict[str, Any] | None = None,
        resource: str = "",
    ) -> Fault:
        """Inject a fault on requests whose path matches `path` (regex). See sandbox/arm/faults.py
        (`changes` is a concurrent_change's "set", `resource` the resource it changes)."""
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
                changes=dict(changes or {}),
                resource=resource,
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

    def change_resource(self, resource_id: str, changes: dict[str, Any]) -> bool:
        """Change a resource as someone else would: dotted paths → values, a new etag."""
        return self.estate.change_as_someone_else(resource_id, changes)

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


def add_fidelity_options(ap: argparse.ArgumentParser, *, all_options: bool = True) -> None:
    """The command-line options that choose a `Fidelity` (each overrides the estate's own)."""
    ap.add_argument(
        "--lro-headers",
        choices=LRO_HEADERS,
        default=None,
        help="headers of a long-running operation's 202: Azure-AsyncOperation and Location (both, the "
        "default), Location only, or Azure-AsyncOperation only (async: as Azure's published examples of the "
        "gateway actions; a finished action's status URL then answers with its result)",
    )
    if not all_options:
        return
    ap.add_argument(
        "--retry-after",
        type=_seconds,
        default=None,
        help=f"Retry-After, in whole seconds ≥ 1, on a 202 and on each 'still running' poll (default {ARM_RETRY_AFTER_S}, as ARM)",
    )
    ap.add_argument(
        "--page-size",
        type=_positive,
        default=None,
        help=f"items per list page before a nextLink (default {DEFAULT_PAGE_SIZE})",
    )
    ap.add_argument(
        "--next-link-host",
        default=None,
        help="loopback host name the nextLinks point at, e.g. localhost (default: the emulator's own, 127.0.0.1)",
    )
    ap.add_argument(
        "--real-shapes",
        action="store_true",
        default=None,
        help="serve the estate with the shapes of Azure's published payloads: escaped etags, peerings named "
        "'peer' whatever their id says, private endpoints' NIC ids with the upstream typo 'provders'",
    )


def fidelity_from_args(estate: dict[str, Any], args: argparse.Namespace) -> Fidelity:
    """The estate's `Fidelity`, with what the command line gave instead."""
    changes = {
        field: getattr(args, name)
        for name, field in (
            ("lro_headers", "lro_headers"),
            ("retry_after", "retry_after_s"),
            ("page_size", "page_size"),
            ("next_link_host", "next_link_host"),
            ("real_shapes", "real_shapes"),
        )
        if getattr(args, name, None) is not None
    }
    return fidelity_of(estate).replace(**changes)


def _seconds(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of seconds; e.g. --retry-after 10") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"ARM never sends Retry-After {value}: azure-core reads 0 as 'no header' and waits 30 s. Give 1 or more, e.g. 10"
        )
    return value


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number ≥ 1; e.g. --page-size 2")
    return value


def main(argv: list[str] | None = None) -> int:
    """`python -m bot emulator [--estate FILE] [--port N] [--latency-ms N] [--tls [--tls-dir DIR]]
    [--lro-headers async|location|both] [--retry-after S] [--page-size N] [--next-link-host HOST] [--real-shapes]`."""
    from sandbox.estate import load_estate

    ap = argparse.ArgumentParser(
        prog="python -m bot emulator", description="Serve an estate as Azure Resource Manager on loopback."
    )
    ap.add_argument("--estate", type=Path, default=SEED_ESTATE, help="estate JSON file (default: the seed estate)")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)")
    ap.add_argument("--latency-ms", type=int, default=0, help="added to every answer")
    ap.add_argument(
        "--realistic",
        action="store_true",
        help="answer in ARM's time: GETs 40-250 ms, diagnostic operations 5-60 s, token-bucket throttling (sandbox/arm/latency.py)",
    )
    ap.add_argument("--time-scale", type=float, default=1.0, help="with --realistic: wall seconds per Azure second")
    add_fidelity_options(ap)
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
    args = ap.parse_args(argv)
    try:
        estate = load_estate(args.estate)
        fidelity = fidelity_from_args(estate, args)
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
    try:
        model = LatencyModel(scale=args.time_scale) if args.realistic else None
    except ValueError as e:
        print(f"--time-scale: {e}", file=sys.stderr)
        return 2
    emu = ArmEmulator(estate, port=args.port, latency_ms=args.latency_ms, fidelity=fidelity, tls=tls, latency=model)
    try:
        url = emu.start()
    except OSError as e:
        print(f"cannot listen on 127.0.0.1:{args.port}: {e}", file=sys.stderr)
        return 2
    chosen = json.dumps(fidelity.to_json()) if fidelity.to_json() else "ARM's defaults"
    print(f"ARM emulator serving {args.estate} at {url}  (VPNOPS_ARM_URL={url}; Ctrl-C stops)", flush=True)
    print(f"  answering with {chosen}", flush=True)
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

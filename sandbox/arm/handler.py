"""HTTP routes of the emulator: the requests azure-mgmt-network / -resource / -privatedns /
-dnsresolver make, answered in ARM's shapes, status codes and headers.
(Over 500 lines because the routes are one table sharing one order of checks; split by
provider they would each repeat it.)

Order of checks per request, as ARM does it: bearer token (401), api-version (400: missing, or
one the resource type does not serve — `sandbox.arm.apiversions`), injected faults, then the
route (404 for a missing scope or resource, 403 for a denied action). Where ARM answers in more
than one way (long-running operations' headers, Retry-After, page size, nextLink host) the
emulator's `Fidelity` chooses (`sandbox.arm.fidelity`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from sandbox.arm import apiversions, ids, metrics, watcher
from sandbox.arm.ikesas import as_string, synthesize
from sandbox.arm.latency import retry_after_header, throttled_body
from sandbox.arm.state import CONNECTION, GATEWAY, KNOWN_ACTIONS, SYNC_ACTIONS, ArmError, Operation, clone, not_found

if TYPE_CHECKING:
    from sandbox.arm_emulator import ArmEmulator

# The list call of connections leaves these out; only a GET of one connection has them
# (VirtualNetworkGatewayConnections_List vs _Get in the REST spec examples).
LIST_OMITS = {CONNECTION: ("connectionStatus", "tunnelConnectionStatus")}

# Generic resources (Microsoft.Resources/resources list) carry no "properties" unless $expand
# asks for the few ARM-level ones; these are the top-level fields ARM returns.
GENERIC_FIELDS = (
    "id",
    "name",
    "type",
    "location",
    "kind",
    "sku",
    "tags",
    "identity",
    "managedBy",
    "plan",
    "extendedLocation",
)


# http.client's limits on a header block (the stdlib parser enforces the same).
_MAX_LINE = 65536
_MAX_HEADERS = 100


class RequestHeaders:
    """The request's headers, looked up case-insensitively (the first of repeated names wins,
    as with `email.message.Message.get`). Stands in for the stdlib's `HTTPMessage`, whose
    email-package parser cost the emulator more CPU than answering the request did."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._by_name: dict[str, str] = {}
        for name, value in pairs:
            self._by_name.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._by_name.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_name

    def __getitem__(self, name: str) -> str | None:
        return self._by_name.get(name.lower())

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ArmHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # hundreds of concurrent fan-out requests must not be refused

    def __init__(self, addr: tuple[str, int], emulator: ArmEmulator) -> None:
        self.emulator = emulator
        super().__init__(addr, ArmHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up, or (with TLS) refuses the certificate, is the client's
        # business: no traceback on the emulator's stderr for it. Anything else is a bug here.
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class ArmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client's delayed
    # ACK stalls every answer by ~40 ms. TCP_NODELAY sends each write at once.
    disable_nagle_algorithm = True
    server: ArmHTTPServer
    raw_requestline: bytes  # set by BaseHTTPRequestHandler.handle_one_request

    def parse_request(self) -> bool:
        """The stdlib's request-line checks, with the header block read by a plain loop.

        `BaseHTTPRequestHandler.parse_request` hands the headers to the email package, which
        took ~40% of the emulator's CPU per request under a fan-out benchmark: CPU that the
        client under test then waits for, which real ARM does not make it do. The stdlib's
        outcomes for the request line and limits (400, 505, 431 for a line over 64 KiB or over
        100 headers; HTTP/1.0 and `Connection: close` end the connection, keep-alive otherwise,
        `Expect: 100-continue` answered); header lines as RFC 7230 3.2.4 wants them: an
        obs-fold continues the value, a line without a colon or with whitespace before it is
        a 400 (the email parser let both through as "defects")."""
        self.command = None  # type: ignore[assignment]  # as the stdlib does, until the line parses
        self.request_version = version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if not words:
            return False
        if len(words) != 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        command, path, version = words
        major, _, minor = version.removeprefix("HTTP/").partition(".")
        if not version.startswith("HTTP/") or not (major.isdigit() and minor.isdigit()) or len(version) > 30:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        number = (int(major), int(minor))
        if number >= (2, 0):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[5:]})")
            return False
        self.close_connection = number < (1, 1)
        self.request_version = version
        # As the stdlib (gh-87389): "//path" is not an authority.
        self.command, self.path = command, ("/" + path.lstrip("/") if path.startswith("//") else path)
        pairs: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(pairs) >= _MAX_HEADERS:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            text = line.decode("iso-8859-1")
            if text[0] in " \t" and pairs:  # obsolete line folding: continues the last value
                name, value = pairs[-1]
                pairs[-1] = (name, f"{value} {text.strip()}")
                continue
            name, colon, value = text.partition(":")
            if not colon or not name or name != name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line ({text.rstrip()!r})")
                return False
            pairs.append((name, value.strip()))
        self.headers = RequestHeaders(pairs)  # type: ignore[assignment]
        conntype = (self.headers.get("Connection") or "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive":
            self.close_connection = False
        if (self.headers.get("Expect") or "").lower() == "100-continue" and number >= (1, 1):
            return self.handle_expect_100()
        return True

    def log_message(self, format: str, *args: Any) -> None:
        # Silence the stdlib access log: paths are logged in `.requests`, and nothing here
        # may ever print a header (the bearer token) or a shared key.
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        emu = self.server.emulator
        self._remaining: tuple[str, int] | None = None
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = {k: v for k, v in parse_qsl(split.query, keep_blank_values=True)}
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if emu.latency_ms:
            time.sleep(emu.latency_ms / 1000)
        if emu.realistic is not None:
            emu.realistic.sleep(emu.realistic.answer_delay_s(method))
        lat = emu.faults.fire(method, path, ("latency",))
        if lat is not None:
            time.sleep(lat.latency_ms / 1000)
        other = emu.faults.fire(method, path, ("concurrent_change",))
        if other is not None:
            # Someone else writes the resource first (the request then sees their change).
            emu.estate.change_as_someone_else(other.resource or path, other.changes)
        if_match = self.headers.get("If-Match")
        # A write is remembered as Resource Graph and the Activity Log would (sandbox/arm/history.py).
        writing = method in ("PUT", "PATCH", "DELETE") and "/providers/" in path.lower()
        before = emu.estate.view(ids.key(path)) if writing else None
        try:
            answer = self._answer(method, path, query, raw_body, split.path)
        except Exception:
            # A bug here must still answer as ARM would (500), never kill the connection silently.
            answer = error(ArmError(500, "InternalServerError", "The sandbox emulator failed on this request."))
            emu.record(method, path, unquote(split.query), 500, raw_body, if_match=if_match)
            self._send(answer)
            raise
        if writing and answer is not None and _reached_provider(answer):
            emu.history.record_write(
                method,
                path,
                before,
                emu.estate.view(ids.key(path)),
                answer.status,
                self.headers.get("Authorization") or "",
            )
        lost = answer is not None and 200 <= answer.status < 300 and emu.faults.fire(method, path, ("lost_answer",))
        if lost:
            answer = None  # handled (a PUT's change is in place), but the answer is lost
        # Logged before the answer goes out, so a client that has its answer finds it in the log.
        if answer is None:
            emu.record(method, path, unquote(split.query), 0, raw_body, if_match=if_match)
        else:
            emu.record(
                method, path, unquote(split.query), answer.status, raw_body, answer.headers, answer.body, if_match
            )
        if answer is None:  # a "hang" or "lost_answer" fault: no answer at all
            self.close_connection = True
            return
        self._send(answer)

    def _answer(self, method: str, path: str, query: dict[str, str], raw_body: bytes, raw_path: str) -> Answer | None:
        emu = self.server.emulator
        refused = self._refuse(method, path, query, raw_body)
        if refused is not None:
            return refused
        auth = self.headers.get("Authorization") or ""
        batch = metrics.is_metrics_path(path)  # Azure Monitor's batch metrics API (its own api-versions)
        throttled = self._admit(method, path, auth)
        if throttled is not None:
            return throttled
        fault = emu.faults.fire(method, path, ("hang", "throttle", "error", "another_operation"))
        if fault is not None:
            if fault.kind == "hang":
                emu.stopping.wait(fault.hold_s)
                return None
            if fault.kind == "another_operation":
                return Answer(429, fault.another_operation_body(path), {"Retry-After": str(fault.retry_after)})
            headers = {"Retry-After": str(fault.retry_after)} if fault.kind == "throttle" else {}
            return error(ArmError(fault.status, fault.error_code, fault.error_message, headers))
        if batch:
            try:
                return Answer(*metrics.get_batch(emu, method, path, query, raw_body))
            except ArmError as e:
                return error(e)
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                return error(
                    ArmError(
                        400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
                    )
                )
        try:
            router = Router(emu, method, path, query, body, raw_path, if_match=self.headers.get("If-Match"))
            return watcher.answer(router, method, path, query, body) if watcher.owns(path) else router.route()
        except ArmError as e:
            return error(e)

    def _refuse(self, method: str, path: str, query: dict[str, str], raw_body: bytes) -> Answer | None:
        """The sign-in side's own answer (with TLS), or ARM's refusal of a request without a
        bearer token or a known api-version; None when the request goes on."""
        emu = self.server.emulator
        if emu.identity is not None:  # with TLS, the cloud's sign-in side (sandbox/identity.py)
            signed_in = emu.identity.answer(method, path, query, raw_body)
            if signed_in is not None:
                return signed_in
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return error(
                ArmError(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
                    {
                        "WWW-Authenticate": 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"'
                    },
                )
            )
        if not query.get("api-version") and not path.lower().startswith("/v1/workspaces/"):
            return error(
                ArmError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            )
        if metrics.is_metrics_path(path):  # Azure Monitor's batch metrics API (its own api-versions)
            return None
        if watcher.owns(path):  # Network Watcher, diagnostic settings, Log Analytics (their own)
            return None
        try:
            apiversions.check(path, query["api-version"])
        except ArmError as e:
            return error(e)
        return None

    def _admit(self, method: str, path: str, auth: str) -> Answer | None:
        """The realistic mode's token buckets (`sandbox.arm.latency`): None when admitted (the
        answer then says how many requests remain), else ARM's 429 with Retry-After."""
        rt = self.server.emulator.realistic
        parsed = ids.parse(path) if rt is not None else None
        if rt is None or parsed is None or not parsed.subscription:
            return None
        # Per principal: the token names it (hashed; the token itself is never kept).
        principal = hashlib.sha256(auth.encode("utf-8")).hexdigest()[:16]
        adm = rt.admit(method, parsed.subscription, principal)
        header = f"x-ms-ratelimit-remaining-subscription-{adm.kind}"
        if adm.throttled:
            return Answer(
                429, throttled_body(adm.kind), {"Retry-After": retry_after_header(adm.retry_after_s), header: "0"}
            )
        self._remaining = (header, adm.remaining)
        return None

    def _send(self, a: Answer) -> None:
        payload = b"" if a.body is None else json.dumps(a.body).encode("utf-8")
        self.send_response(a.status)
        remaining = getattr(self, "_remaining", None)
        if remaining is not None and remaining[0] not in a.headers:
            self.send_header(remaining[0], str(remaining[1]))
        rid = str(uuid.uuid4())
        self.send_header("x-ms-request-id", rid)
        self.send_header("x-ms-correlation-request-id", rid)
        if a.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in a.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)


# Refusals made by ARM itself, before a resource provider ran the operation: the Activity
# Log records none of them.
_ARM_LEVEL = frozenset({"MissingApiVersionParameter", "InvalidApiVersionParameter", "InvalidRequestContent"})


def _reached_provider(a: Answer) -> bool:
    """Whether a write's answer is an operation the Activity Log records: done (2xx) or
    refused by the provider (400 with the provider's code, 409)."""
    if 200 <= a.status < 300:
        return True
    code = str(((a.body or {}).get("error") or {}).get("code") or "") if isinstance(a.body, dict) else ""
    return a.status in (400, 409) and code not in _ARM_LEVEL


def error(e: ArmError) -> Answer:
    return Answer(e.status, e.body(), dict(e.headers))


class Router:
    def __init__(
        self,
        emu: ArmEmulator,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        raw_path: str,
        if_match: str | None = None,
    ) -> None:
        self.if_match = if_match  # the request's If-Match header (peering writes honour it)
        self.emu = emu
        self.estate = emu.estate
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.raw_path = raw_path
        self.api_version = query.get("api-version", "")

    # --- dispatch ---------------------------------------------------------------------------
    def route(self) -> Answer:
        from sandbox.arm import history_routes

        past = history_routes.route(self)  # Resource Graph, Activity Log, Resource Health
        if past is not None:
            return past
        segs = [s for s in self.path.split("/") if s]
        low = [s.lower() for s in segs]
        if low == ["subscriptions"]:
            self._only("GET")
            self._deny("Microsoft.Resources/subscriptions/read", "/")
            with self.estate.lock:
                subs = sorted((dict(s) for s in self.estate.subscriptions.values()), key=lambda s: s["subscriptionId"])
            return self._page(subs)
        p = ids.parse(self.path)
        if p is None:
            raise ArmError(404, "InvalidRequestUri", f"The request URI '{self.path}' is not an ARM resource path.")
        if len(segs) == 2:
            self._only("GET")
            doc = self.estate.subscriptions.get(ids.key(self.path))
            if doc is None:
                raise not_found(p, self.estate)
            self._deny("Microsoft.Resources/subscriptions/read", self.path)
            return Answer(200, dict(doc))
        if not p.namespace:
            return self._resources_api(p, low)
        self._scope_exists(p)
        if len(p.types) == 2 and len(p.names) == 2 and p.types[0].lower() == "locations":
            kind = p.types[1].lower()
            if kind in ("operations", "operationresults"):
                self._only("GET")
                return self._poll(p.names[1], kind == "operationresults")
        if len(p.types) == 1 and not p.names:
            self._only("GET")
            return self._list_top(p)
        if p.is_resource:
            return self._resource(p)
        if len(p.types) == len(p.names) + 1 and p.names:
            return self._child_or_action(p)
        raise ArmError(
            404,
            "InvalidResourceType",
            f"The resource type '{p.resource_type}' could not be found in the namespace '{p.namespace}'.",
        )

    def _only(self, *methods: str) -> None:
        if self.method not in methods:
            raise ArmError(
                405,
                "OperationNotSupported",
                f"{self.method} is not supported on {self.path} by the sandbox emulator; it serves reads, POST actions and virtual network peering writes.",
            )

    def _deny(self, action: str, scope: str) -> None:
        if self.estate.is_denied(action, scope):
            raise ArmError(
                403,
                "AuthorizationFailed",
                f"The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action "
                f"'{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            )

    def _scope_exists(self, p: ids.Parsed) -> None:
        if not self.estate.subscription_exists(p.subscription):
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{p.subscription}' could not be found.")
        if p.resource_group and not self.estate.resource_group_exists(p.subscription, p.resource_group):
            raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{p.resource_group}' could not be found.")

    # --- Microsoft.Resources: resource groups, generic resources ----------------------------
    def _resources_api(self, p: ids.Parsed, low: list[str]) -> Answer:
        """/subscriptions/S/resourcegroups[/RG] and …/resources (generic resources)."""
        self._only("GET")
        self._scope_exists(p)
        segs = [s for s in self.path.split("/") if s]
        if low[2:] == ["resourcegroups"]:
            self._deny("Microsoft.Resources/subscriptions/resourceGroups/read", self.path)
            sk = f"/subscriptions/{p.subscription.lower()}/"
            with self.estate.lock:
                groups = [dict(g) for k, g in self.estate.resource_groups.items() if k.startswith(sk)]
            return self._page(groups)
        if len(low) == 4 and low[2] == "resourcegroups":
            self._deny("Microsoft.Resources/subscriptions/resourceGroups/read", self.path)
            return Answer(200, dict(self.estate.resource_groups[ids.key(self.path)]))
        if low[-1] == "resources" and len(low) in (3, 5):
            self._deny("Microsoft.Resources/subscriptions/resources/read", "/" + "/".join(segs[:-1]))
            return self._generic_list(p)
        raise ArmError(
            404, "InvalidRequestUri", f"The request URI '{self.path}' is not served by the sandbox emulator."
        )

    def _generic_list(self, p: ids.Parsed) -> Answer:
        wanted = parse_filter(self.query.get("$filter", ""))
        docs = self.estate.top_level(p.subscription, p.resource_group or None, None, fields=GENERIC_FIELDS)
        out = []
        for d in docs:
            rp = ids.parse(d["id"])
            item = {k: d[k] for k in GENERIC_FIELDS if k in d}
            item.setdefault("type", rp.resource_type if rp else "")
            item.setdefault("name", rp.names[-1] if rp and rp.names else "")
            values = {"resourcetype": item["type"], "name": item["name"], "location": str(item.get("location", ""))}
            if all(values[f].lower() in allowed for f, allowed in wanted.items()):
                out.append(item)
        top = self.query.get("$top")
        return self._page(out, int(top) if top and top.isdigit() else None)

    # --- Microsoft.Network and friends ------------------------------------------------------
    def _list_top(self, p: ids.Parsed) -> Answer:
        self._deny(f"{p.resource_type}/read", self.path)
        docs = self.estate.top_level(p.subscription, p.resource_group or None, p.type_key)
        return self._page([list_view(p.type_key, d) for d in docs])

    def _resource(self, p: ids.Parsed) -> Answer:
        k = ids.key(self.path)
        if self.method == "GET":
            # ARM authorizes before the resource provider looks: 403 even for a missing resource.
            self._deny(f"{p.resource_type}/read", self.path)
            doc = self.estate.view(k, advance=True)
            if doc is None:
                raise not_found(p, self.estate)
            return Answer(200, doc)
        if p.type_key == "microsoft.network/virtualnetworks/virtualnetworkpeerings" and self.method in (
            "PUT",
            "DELETE",
        ):
            return self._peering_write(p)
        if self.method in ("PUT", "PATCH"):
            from sandbox.arm.writes import write_resource

            return write_resource(self, p)
        raise ArmError(
            405,
            "OperationNotSupported",
            f"{self.method} is not supported on {p.resource_type} by the sandbox emulator; it serves reads, POST actions, PUT and PATCH, and virtual network peering DELETE.",
        )

    def _peering_write(self, p: ids.Parsed) -> Answer:
        action = f"{p.resource_type}/{'write' if self.method == 'PUT' else 'delete'}"
        self._deny(action, self.path)
        if self.method == "PUT":
            sync = str(self.query.get("syncRemoteAddressSpace", "")).lower() == "true"
            status, doc, op = self.estate.put_peering(self.path, self.body, self.api_version, self.if_match, sync=sync)
            failed = self.emu.faults.fire(self.method, self.path, ("lro_failed",))
            if failed is not None:
                op.error = {"code": failed.error_code, "message": failed.error_message}
            return self._accepted(status, doc, op)
        op2 = self.estate.delete_peering(self.path, self.api_version, self.if_match)
        if op2 is None:
            return Answer(204)
        failed = self.emu.faults.fire(self.method, self.path, ("lro_failed",))
        if failed is not None:
            op2.error = {"code": failed.error_code, "message": failed.error_message}
        return self._accepted(202, None, op2)

    def _child_or_action(self, p: ids.Parsed) -> Answer:
        parent_path = self.path.rstrip("/").rsplit("/", 1)[0]
        pk = ids.key(parent_path)
        parent_p = ids.parse(parent_path)
        assert parent_p is not None
        last = p.types[-1]
        ptype = parent_p.type_key
        is_key = ptype == CONNECTION and last.lower() == "sharedkey"
        if is_key and self.method == "PUT":
            from sandbox.arm.writes import set_shared_key

            return set_shared_key(self, parent_p, pk)
        if self.method != "POST":
            self._only("GET")
            # ARM authorizes before the resource provider looks (403 even when the parent is missing).
            if is_key:
                self._deny("Microsoft.Network/connections/sharedKey/read", parent_path)
            else:
                self._deny(f"{parent_p.resource_type}/{last}/read", parent_path)
        parent = self.estate.view(pk)
        if parent is None:
            raise not_found(parent_p, self.estate)
        if self.method == "POST":
            return self._action(parent_p, pk, parent, last)
        if is_key:
            with self.estate.lock:
                key_value = self.estate.shared_keys.get(pk)
            if key_value is None:
                raise ArmError(
                    404, "ResourceNotFound", f"The shared key of connection '{parent_p.names[-1]}' was not found."
                )
            return Answer(200, {"value": key_value})
        if ptype == GATEWAY and last.lower() == "connections":
            return self._page(
                [connection_list_entity(list_view(CONNECTION, d)) for d in self.estate.gateway_connections(pk)]
            )
        if ptype == GATEWAY and last.lower() == "natrules":
            # VirtualNetworkGatewayNatRules_ListByVirtualNetworkGateway: the rules a gateway
            # holds in `natRules`, in the definition's `{"value": [...]}` (its published
            # example answers a bare array; the bot reads both).
            nat = (parent.get("properties") or {}).get("natRules") or []
            return self._page([d for d in nat if isinstance(d, dict)])
        if ptype == "microsoft.network/privatednszones" and last.lower() == "all":
            return self._page(self.estate.children_any(pk, exclude=frozenset({"virtualnetworklinks"})))
        return self._page([list_view(f"{ptype}/{last.lower()}", d) for d in self.estate.children(pk, last)])

    def _action(self, rp: ids.Parsed, rk: str, resource: dict[str, Any], action: str) -> Answer:
        if rp.type_key == "microsoft.network/networkwatchers":
            from sandbox.arm.watcher import watcher_action

            return watcher_action(self, rp, resource, action)
        from sandbox.arm.actions import is_write_action, write_action

        if is_write_action(rp.type_key, action):
            return write_action(self, rp, rk, action)
        known = KNOWN_ACTIONS.get(rp.type_key, set()) | SYNC_ACTIONS.get(rp.type_key, set())
        if action.lower() not in known and not self.estate.has_action(rk, action):
            raise ArmError(
                404,
                "InvalidResourceType",
                f"The resource type '{rp.types[-1]}/{action}' could not be found in the namespace '{rp.namespace}' for api version '{self.api_version}'.",
            )
        if action.lower() == "getadvertisedroutes" and not self.query.get("peer"):
            raise ArmError(
                400,
                "InvalidParameter",
                "getAdvertisedRoutes needs the 'peer' query parameter: the IP address of the BGP peer, e.g. ?peer=10.1.255.30.",
            )
        self._deny(f"{rp.resource_type}/{action}/action", resource.get("id", rk))
        result = self.estate.action_body(rk, action, self.query)
        if rp.type_key == CONNECTION and action.lower() == "getikesas":
            # 200 = string (VirtualNetworkGatewayConnections_GetIkeSas): `sandbox.arm.ikesas`.
            result = as_string(result) if result is not None else synthesize(self.estate, resource)
        if result is None:
            # Nothing to report: ARM answers `{}` (every published example of the gateway
            # actions: VirtualNetworkGatewayLearnedRoutes.json, …GetBGPPeerStatus.json,
            # …GetAdvertisedRoutes.json), not an error and not `{"value": []}`. The other actions
            # are lists whose definitions require `value` (a NIC's EffectiveRouteListResult,
            # virtualNetwork.json 2025-03-01) or whose examples always carry it (Virtual Network
            # Manager's effective configurations): an empty one is `{"value": []}`.
            result = {} if rp.type_key == GATEWAY else {"value": []}
        if action.lower() in SYNC_ACTIONS.get(rp.type_key, set()):
            return Answer(200, result)
        if action.lower() == "getbgppeerstatus" and self.query.get("peer") and isinstance(result.get("value"), list):
            result["value"] = [
                v for v in result["value"] if str(v.get("neighbor", "")).lower() == self.query["peer"].lower()
            ]
        rt = self.emu.realistic
        ready_at = None
        if rt is not None:
            gateway = rk if rp.type_key == GATEWAY else ""
            ready_at = rt.lro_ready_at(gateway, rk, action)
        op = self.estate.new_operation(
            str(resource.get("location") or "global"), rp.namespace, self.api_version, result=result, ready_at=ready_at
        )
        failed = self.emu.faults.fire("POST", self.path, ("lro_failed",))
        if failed is not None:
            op.error = {"code": failed.error_code, "message": failed.error_message}
        return self._accepted(202, None, op)

    # --- long-running operations ------------------------------------------------------------
    def _accepted(self, status: int, body: Any, op: Operation) -> Answer:
        """The first answer of a long-running operation, with the headers `Fidelity.lro_headers`
        chooses and ARM's Retry-After."""
        f = self.emu.fidelity
        headers: dict[str, str] = {}
        if f.async_header:
            headers["Azure-AsyncOperation"] = self._op_url(op, False)
        if f.location_header or _string_result(op):
            headers["Location"] = self._op_url(op, True)
        headers["Retry-After"] = self.emu.poll_retry_after
        return Answer(status, body, headers)

    def _op_url(self, op: Operation, result: bool) -> str:
        p = ids.parse(self.path)
        sub = p.subscription if p else ""
        kind = "operationResults" if result else "operations"
        return f"{self.emu.base_url}/subscriptions/{sub}/providers/{op.namespace}/locations/{op.location}/{kind}/{op.id}?api-version={op.api_version}"

    def _poll(self, op_id: str, result: bool) -> Answer:
        """GET of an operation's `Azure-AsyncOperation` URL (`result` False: its status) or
        `Location` URL (`result` True: 202 while it runs, then its result)."""
        op = self.estate.operations.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        rt = self.emu.realistic
        status = self.estate.advance(op, rt.now() if rt is not None else None)
        running = {"Retry-After": self.emu.poll_retry_after}
        if not result:
            if not op.done:
                return Answer(200, {"status": status}, running)
            if op.error:
                return Answer(200, {"status": status, "error": dict(op.error)})
            if isinstance(op.result, dict) and not self.emu.fidelity.location_header:
                # No Location URL was given to read the result from: the status URL answers
                # with the result itself, without `status` — as the network provider answered
                # getLearnedRoutes (Azure/azure-rest-api-specs#34019). A string result (packet
                # capture's) never stands in for a status body.
                return Answer(200, clone(op.result))
            return Answer(200, {"status": status})
        if not op.done:
            return Answer(202, None, {"Location": self._op_url(op, True), **running})
        if op.error:
            return Answer(500, {"error": dict(op.error)})
        if op.target:
            return Answer(200, self.estate.view(op.target))
        return Answer(204) if op.result is None else Answer(200, clone(op.result))

    # --- paging -----------------------------------------------------------------------------
    def _page(self, items: list[Any], page_size: int | None = None) -> Answer:
        size = page_size or self.emu.fidelity.page_size
        try:
            start = int(self.query.get("$skiptoken") or self.query.get("$skipToken") or 0)
        except ValueError:
            raise ArmError(400, "InvalidSkipToken", "The $skiptoken is not one this server issued.") from None
        page = items[start : start + size]
        body: dict[str, Any] = {"value": page}
        if start + size < len(items):
            params = {k: v for k, v in self.query.items() if k.lower() != "$skiptoken"}
            params["$skiptoken"] = str(start + size)
            body["nextLink"] = f"{self.emu.link_base_url}{self.raw_path}?{urlencode(params)}"
        return Answer(200, body)


# VirtualNetworkGateways_ListConnections answers VirtualNetworkGatewayConnectionListEntity
# (virtualNetworkGateway.json 2025-03-01): the gateways as bare {"id"} references
# (VirtualNetworkConnectionGatewayReference), and only these properties: what a connection's
# own GET adds (dpdTimeoutSeconds, NAT rules, useLocalAzureIpAddress…) is not in it.
LIST_ENTITY_PROPERTIES = frozenset(
    {
        "authorizationKey",
        "virtualNetworkGateway1",
        "virtualNetworkGateway2",
        "localNetworkGateway2",
        "connectionType",
        "connectionProtocol",
        "routingWeight",
        "connectionMode",
        "sharedKey",
        "connectionStatus",
        "tunnelConnectionStatus",
        "egressBytesTransferred",
        "ingressBytesTransferred",
        "peer",
        "enableBgp",
        "gatewayCustomBgpIpAddresses",
        "usePolicyBasedTrafficSelectors",
        "ipsecPolicies",
        "trafficSelectorPolicies",
        "resourceGuid",
        "provisioningState",
        "expressRouteGatewayBypass",
        "enablePrivateLinkFastPath",
    }
)
_GATEWAY_REFERENCES = ("virtualNetworkGateway1", "virtualNetworkGateway2", "localNetworkGateway2")


def _string_result(op: Operation) -> bool:
    """An action whose result is a string (getikesas, 200 = string): its published example
    answers 202 with a `location` header, whatever the other actions' examples do, and the
    result is read there (a status URL carrying a string would not be a status)."""
    return isinstance(op.result, str)


def connection_list_entity(doc: dict[str, Any]) -> dict[str, Any]:
    """A connection as a gateway's connections list returns it (see LIST_ENTITY_PROPERTIES)."""
    props = doc.get("properties")
    if not isinstance(props, dict):
        return doc
    kept = {k: v for k, v in props.items() if k in LIST_ENTITY_PROPERTIES}
    for k in _GATEWAY_REFERENCES:
        if isinstance(kept.get(k), dict) and "id" in kept[k]:
            kept[k] = {"id": kept[k]["id"]}
    return {**doc, "properties": kept}


def list_view(type_key: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A resource as a list call returns it (see LIST_OMITS)."""
    omit = LIST_OMITS.get(type_key)
    if omit and isinstance(doc.get("properties"), dict):
        doc = {**doc, "properties": {k: v for k, v in doc["properties"].items() if k not in omit}}
    return doc


_FILTER_CLAUSE = re.compile(r"(\w+)\s+eq\s+'((?:[^']|'')*)'", re.IGNORECASE)


def parse_filter(flt: str) -> dict[str, set[str]]:
    """`resourceType eq 'A' or resourceType eq 'B' and location eq 'x'` → {field: {values}}.

    Values of one field are alternatives; different fields must all hold (how ARM's generic
    resource filter is used in practice). Only resourceType, name and location are known."""
    out: dict[str, set[str]] = {}
    if not flt.strip():
        return out
    clauses = _FILTER_CLAUSE.findall(flt)
    if not clauses:
        raise ArmError(
            400,
            "InvalidFilterInQueryString",
            f"Invalid $filter '{flt}'. Example: $filter=resourceType eq 'Microsoft.Sql/servers'.",
        )
    for fld, value in clauses:
        f = fld.lower()
        if f not in ("resourcetype", "name", "location"):
            raise ArmError(
                400,
                "InvalidFilterInQueryString",
                f"The $filter field '{fld}' is not supported; use resourceType, name or location.",
            )
        out.setdefault(f, set()).add(value.replace("''", "'").lower())
    return out

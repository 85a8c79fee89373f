"""The sign-in side of the sandbox cloud, for Microsoft's own clients (the az CLI, MSAL).

Served by the ARM emulator next to Resource Manager when it runs with TLS (`python -m bot
emulator --tls`), so one loopback address is a whole cloud:

- `GET /metadata/endpoints?api-version=…`: the cloud's endpoints, as Resource Manager serves
  them (https://management.azure.com/metadata/endpoints?api-version=2022-09-01). `az cloud
  register -n NAME --endpoint-resource-manager URL` reads this to learn the login endpoint and
  the token audience (azure-cli `command_modules/cloud/custom.py`
  `_populate_from_metadata_endpoint`). api-version 2019-05-01 and 2020-06-01 answer the list
  of clouds, the others one cloud (Azure/msrestazure-for-python#165).
- `GET /{tenant}/v2.0/.well-known/openid-configuration`: OpenID Connect discovery, which MSAL
  reads for the token endpoint (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri).
  MSAL first asks login.microsoftonline.com whether an unknown authority host is a real one
  ("instance discovery"); the az CLI skips that with `core.instance_discovery=false`
  (`AZURE_CORE_INSTANCE_DISCOVERY=false`), as for Azure Stack (azure-cli `_profile.py`).
- `POST /{tenant}/oauth2/v2.0/token`: the client credentials grant
  (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow), so
  `az login --service-principal -u ID -p SECRET --tenant TENANT` signs in. The sandbox has no
  directory: any client id with a non-empty secret gets a token, for any tenant. Errors are
  the OAuth 2.0 ones Entra sends (RFC 6749 §5.2, with Entra's AADSTS codes).

The tokens are JWTs (HS256 with a key made per emulator run) carrying the claims Entra puts in
an app-only access token (aud, iss, tid, appid, oid, exp…), so a client that decodes its token
finds what it expects. Resource Manager here accepts any bearer token, as before: the bot's
tests use a static one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from sandbox.arm.handler import Answer

TOKEN_LIFETIME_S = 3599  # Entra's app-only tokens: an hour, less a second of skew
CLOUD_NAME = "vpnops-sandbox"
# The audience Resource Manager tokens are issued for. az asks for
# "{active_directory_resource_id}/.default"; both of ARM's audiences are accepted.
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.azure.com/")
_LIST_VERSIONS = ("2019-05-01", "2020-06-01")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _oauth_error(status: int, error: str, description: str, code: int) -> Answer:
    """An OAuth 2.0 error as Entra sends it (RFC 6749 §5.2, plus Entra's error_codes)."""
    now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    return Answer(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


class Identity:
    """The cloud metadata, OpenID discovery and token endpoints at `base_url`."""

    def __init__(self, base_url: str, tenant: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.tenant = tenant
        self._key = secrets.token_bytes(32)
        self.issued = 0  # tokens handed out (never the tokens themselves)

    # --- what clients are told ---------------------------------------------------------------
    def cloud_metadata(self) -> dict[str, Any]:
        """Resource Manager's /metadata/endpoints document for this cloud: everything at the
        emulator's address, the suffixes of the public cloud (the estates name
        `*.database.windows.net` servers)."""
        base = self.base_url + "/"
        return {
            "name": CLOUD_NAME,
            "portal": base,
            "resourceManager": base,
            "authentication": {
                "loginEndpoint": base,
                "audiences": list(ARM_AUDIENCES),
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "graph": base,
            "graphAudience": base,
            "microsoftGraphResourceId": base,
            "activeDirectoryDataLake": base,
            "sqlManagement": base,
            "gallery": base,
            "media": base,
            "batch": base,
            "vmImageAliasDoc": base + "vmImageAliasDoc",
            "suffixes": {
                "sqlServerHostname": "database.windows.net",
                "storage": "core.windows.net",
                "keyVaultDns": "vault.azure.net",
                "acrLoginServer": "azurecr.io",
                "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            },
        }

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        """The v2.0 discovery document (the fields MSAL and OIDC clients read)."""
        root = f"{self.base_url}/{tenant}"
        return {
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "jwks_uri": f"{self.base_url}/{tenant}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "grant_types_supported": ["client_credentials"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "ver", "oid"],
            "tenant_region_scope": None,
            "cloud_instance_name": CLOUD_NAME,
        }

    # --- routing -----------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], raw_body: bytes) -> Answer | None:
        """The answer for a sign-in or metadata request; None for anything else (ARM's)."""
        segs = [s for s in path.split("/") if s]
        low = [s.lower() for s in segs]
        if low == ["metadata", "endpoints"] and method == "GET":
            doc = self.cloud_metadata()
            return Answer(200, [doc] if query.get("api-version") in _LIST_VERSIONS else doc)
        if len(segs) < 2 or low[0] in ("subscriptions", "providers", "tenants", "metadata"):
            return None
        tenant, rest = segs[0], low[1:]
        if rest in (["v2.0", ".well-known", "openid-configuration"], [".well-known", "openid-configuration"]):
            if method != "GET":
                return None
            return Answer(200, self.openid_configuration(tenant))
        if rest in (["oauth2", "v2.0", "token"], ["oauth2", "token"]):
            if method != "POST":
                return _oauth_error(405, "invalid_request", "The token endpoint takes POST only.", 900561)
            return self._token(tenant, raw_body)
        return None

    def _token(self, tenant: str, raw_body: bytes) -> Answer:
        form = dict(parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            return _oauth_error(
                400,
                "unsupported_grant_type",
                f"The sandbox's token endpoint serves the client credentials grant only (got grant_type={grant!r}); "
                "sign in with `az login --service-principal -u <client id> -p <secret> --tenant <tenant>`.",
                70003,
            )
        client_id = form.get("client_id", "")
        if not client_id:
            return _oauth_error(
                400, "invalid_request", "The request body must contain the parameter 'client_id'.", 900144
            )
        if not form.get("client_secret"):
            return _oauth_error(
                401,
                "invalid_client",
                "The request body must contain the parameter 'client_secret' (any non-empty value in the sandbox).",
                7000218,
            )
        scope = form.get("scope", "")
        # "<resource>/.default": the resource is the audience ("https://management.core.windows.net/")
        resources = [s.removesuffix("/.default") for s in scope.split() if s.endswith("/.default")]
        if len(resources) != 1:
            return _oauth_error(
                400,
                "invalid_scope",
                f"The scope {scope!r} is not valid: the client credentials grant takes one '<resource>/.default' scope, "
                "e.g. 'https://management.core.windows.net//.default'.",
                1002012,
            )
        now = int(time.time())
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vpnops-sandbox:{tenant}:{client_id}"))
        claims = {
            "aud": resources[0],
            "iss": f"{self.base_url}/{tenant}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_S,
            "appid": client_id,
            "azp": client_id,
            "idtyp": "app",
            "oid": oid,
            "sub": oid,
            "tid": tenant,
            "ver": "2.0",
        }
        self.issued += 1
        return Answer(
            200,
            {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "ext_expires_in": TOKEN_LIFETIME_S,
                "access_token": self._sign(claims),
            },
            {"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        mac = hmac.new(self._key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(mac)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this identity issued and that has not expired; None otherwise."""
        try:
            header, payload, mac = token.split(".")
            want = hmac.new(self._key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64(want), mac):
                return None
            claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, UnicodeError):
            return None
        return claims if int(claims.get("exp", 0)) > time.time() else None

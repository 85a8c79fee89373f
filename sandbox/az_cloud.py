"""The az CLI against the sandbox: the custom cloud, the environment, the sign-in.

One place says how the az CLI reaches `python -m bot emulator --tls`, so the emulator's banner,
sandbox/README.md and the test that runs the bot's az suggestions (tests/e2e/test_az_cli.py)
do the same thing:

1. trust the emulator's CA (`REQUESTS_CA_BUNDLE`, read by `requests`, which az and MSAL use),
   skip MSAL's instance discovery (it asks login.microsoftonline.com whether the authority host
   is a known one: `AZURE_CORE_INSTANCE_DISCOVERY=false`, the `core.instance_discovery`
   setting azure-cli documents for Azure Stack), and keep the az configuration apart from the
   user's own (`AZURE_CONFIG_DIR`);
2. `az cloud register -n vpnops-sandbox --endpoint-resource-manager URL`: az reads the other
   endpoints from the emulator's /metadata/endpoints (sandbox/identity.py);
3. `az cloud set -n vpnops-sandbox`;
4. `az login --service-principal` against the emulator's token endpoint (any client id and
   non-empty secret: the sandbox has no directory).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sandbox.identity import CLOUD_NAME

CLIENT_ID = "vpnops-sandbox-cli"
CLIENT_SECRET = "sandbox"  # not a secret: the sandbox's token endpoint takes any non-empty one


@dataclass(frozen=True)
class AzSandbox:
    base_url: str  # https://127.0.0.1:PORT
    ca_file: Path
    tenant: str
    cloud: str = CLOUD_NAME

    def env(self, config_dir: Path | None = None) -> dict[str, str]:
        """The environment az needs (added to the caller's). Telemetry is off: it would try
        to reach Microsoft from a machine that may have no way out."""
        out = {
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_COLLECT_TELEMETRY": "no",
        }
        if config_dir is not None:
            out["AZURE_CONFIG_DIR"] = str(config_dir)
        return out

    def setup(self) -> list[list[str]]:
        """The az commands that register the cloud, make it current and sign in (argv lists,
        without the leading `az`)."""
        return [
            ["cloud", "register", "-n", self.cloud, "--endpoint-resource-manager", self.base_url + "/"],
            ["cloud", "set", "-n", self.cloud],
            [
                "login",
                "--service-principal",
                "-u",
                CLIENT_ID,
                "-p",
                CLIENT_SECRET,
                "--tenant",
                self.tenant,
                "-o",
                "none",
            ],
        ]

    def instructions(self, config_dir: str = "$PWD/.state/az") -> str:
        """What the emulator prints: the shell lines to paste into another terminal."""
        env = self.env()
        exports = " ".join(
            [f"AZURE_CONFIG_DIR={config_dir}"]
            + [f"{k}={shlex.quote(v)}" for k, v in env.items() if k != "AZURE_CORE_COLLECT_TELEMETRY"]
        )
        lines = [
            "az CLI against this emulator (another terminal; a config dir of its own keeps yours untouched):",
            f"  export {exports}",
            *("  az " + shlex.join(cmd) for cmd in self.setup()),
            "  az network vnet list -o table",
        ]
        return "\n".join(lines)


# Where `make az` installs the az CLI (its own venv: azure-cli pins versions of the Azure SDKs
# that the bot's requirements do not).
AZ_VENV = Path(__file__).resolve().parent.parent / ".venv-az"


class AzCli:
    """Runs the az CLI against one sandbox, in a configuration directory of its own."""

    def __init__(self, sandbox: AzSandbox, config_dir: Path, az: Path | None = None) -> None:
        self.sandbox = sandbox
        self.config_dir = config_dir
        self.az = az or AZ_VENV / "bin" / "az"
        self.env = {**_clean_env(), **sandbox.env(config_dir)}

    def run(self, args: list[str], *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`az ARGS…`; the result whatever its exit code (az exits 2 on an argument it cannot
        parse, 1 or 3 when the service refuses)."""
        return subprocess.run(
            [str(self.az), *args], capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )

    def sign_in(self) -> None:
        """Register the sandbox cloud, make it current, sign in; raises with az's words if one fails."""
        for args in self.sandbox.setup():
            done = self.run(args)
            if done.returncode != 0:
                raise RuntimeError(f"az {shlex.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _clean_env() -> dict[str, str]:
    """The caller's environment without anything that would point az elsewhere (another cloud's
    settings, a proxy, a CA bundle, a config dir)."""
    drop = ("AZURE_", "REQUESTS_CA_BUNDLE", "SSL_CERT_", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}

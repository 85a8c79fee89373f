"""Azure Functions entry point: the composition root the Python worker indexes.

Everything lives in `bot/functions.py` (one Blueprint); this file only wires it, so the
cold start pays for azure.functions and the bot's light modules, nothing else
(`bench/cold_start.py` measures it; tests assert no azure.mgmt module is loaded).
"""

import azure.functions as func

from bot.functions import register_functions

# FUNCTION by default: a route must opt out explicitly (Slack's, which is signed).
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
register_functions(app)

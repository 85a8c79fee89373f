"""`python -m bot console`: the bot against the sandbox, driven from a terminal.

app.py       the Console: both emulators, the real Bolt app and worker, and the printing
commands.py  what a console command is, and the console's own (/vpn, /as, /approve, …)
alerts.py    the alerts' console commands (/webhook alerts FILE, /watch)
"""

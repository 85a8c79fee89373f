"""The domain of vpnops: parsing `/vpn` text, each command's logic and its findings.

Nothing here imports Slack or Azure: commands see Azure through `commands.core.port.AzurePort`,
Slack through `commands.core.port.Messenger`, and return `commands.core.reply.Reply` objects.
"""

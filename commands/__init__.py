"""The domain of vpnops: parsing `/vpn` text, each command's logic and its findings.

Nothing here imports Slack or Azure: commands see Azure through `commands.port.AzurePort`,
Slack through `commands.port.Messenger`, and return `commands.reply.Reply` objects.
"""

"""`/vpn troubleshoot`: Network Watcher VPN troubleshoot, followed across restarts."""

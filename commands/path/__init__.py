"""`/vpn path`: Network Watcher next hop, IP flow verify and effective security rules."""

"""`/vpn p2s`: a gateway's point-to-site configuration and clients."""

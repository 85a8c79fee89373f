"""`/vpn connection`: one connection\x27s IKE/IPsec layer, both ends compared."""

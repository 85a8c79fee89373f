"""`/vpn logs`: IKE failure reasons from the gateway diagnostic logs in Log Analytics."""

"""`/vpn metrics`: one connection's or gateway's Azure Monitor metrics (rates, drops, BGP, clients), and the parts
any command can show about them (`view.rates_parts`)."""

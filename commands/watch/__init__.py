"""The watch: every tunnel sampled on a timer, incidents raised once and recovered once."""

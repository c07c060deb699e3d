"""Linking a release's changes to the insights and ideas they answer (helper A fills this in)."""

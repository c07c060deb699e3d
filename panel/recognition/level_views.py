"""The panel manager's contributor level thresholds (helper D fills this in)."""

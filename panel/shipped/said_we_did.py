"""The public "You said, we did" page's figures, per month (helper C fills this in)."""

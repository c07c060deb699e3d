"""Insights and the department streams that must answer them."""

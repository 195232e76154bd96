"""Ping'an governance indicators from reports on Hubei and Hunan: curation, checks and build."""

__version__ = "0.1.0"

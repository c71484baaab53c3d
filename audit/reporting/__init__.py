"""Readers of results.json that present it: the HTML report, the model card, their charts and views."""

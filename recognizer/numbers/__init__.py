"""Whole numbers: one drawing of several digits, read, stored and labelled digit by digit."""

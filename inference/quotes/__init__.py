"""Pieces of rule-based quote extraction: quotation marks, cue lexicons, speakers, roles."""

"""Parsing: PDF checks, the GROBID client and the TEI reader."""

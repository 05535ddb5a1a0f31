"""Figures, network drawings and animations from p2p's CSV output folders."""

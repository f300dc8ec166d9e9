"""Stroke and action recognition: skeleton sequences (this slice), clips and long videos."""

"""`sportlens analyze`: every task that applies to one input in one decode pass, and an interactive report.html."""

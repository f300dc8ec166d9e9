"""The web service (`sportlens serve`): jobs in a database, a worker pool running `analyze`, a page."""

"""Charts and PDF reports (督查通报); no Qt."""

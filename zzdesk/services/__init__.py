"""Use cases. Each public function is one transaction: it validates, writes audit rows, and raises
a DomainError with a Chinese message for bad input. The GUI and the CLI call only these."""

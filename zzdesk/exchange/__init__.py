"""Files in and out: plan documents, and (later) Excel / CSV exchange forms."""

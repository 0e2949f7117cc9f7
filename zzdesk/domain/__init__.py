"""Pure rules of the field: codes, statuses, dates, 序时进度, lights, the plan parser. No Qt, no SQL."""

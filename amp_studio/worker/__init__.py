"""Background training and replay processes, and the line protocol the GUI drives them with."""

"""Understanding text: sentence templates, number words and target resolution, free of I/O and devices."""
